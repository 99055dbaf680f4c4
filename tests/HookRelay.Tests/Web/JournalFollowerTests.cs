using HookRelay.Tests.Support;
using HookRelay.Web;

namespace HookRelay.Tests.Web;

public sealed class JournalFollowerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Journal => Path.Combine(_dir.Path, "hook-runs.jsonl");

    private void Append(string text) => File.AppendAllText(Journal, text);

    private static List<int> Numbers(JournalFollower follower) => [.. follower.ReadAppended().Select(e => e.GetProperty("n").GetInt32())];

    [Fact]
    public void Reads_only_what_was_appended_since_it_started_and_since_the_last_look()
    {
        Append("{\"n\":1}\n");
        var follower = new JournalFollower(Journal);
        follower.SkipToEnd();
        Assert.Empty(Numbers(follower));
        Append("{\"n\":2}\n{\"n\":3}\n");
        Assert.Equal([2, 3], Numbers(follower));
        Assert.Empty(Numbers(follower));
    }

    [Fact]
    public void A_line_still_being_written_waits_and_a_damaged_one_is_skipped()
    {
        var follower = new JournalFollower(Journal);
        follower.SkipToEnd();
        Append("{\"n\":1}\nnot json\n{\"n\":");
        Assert.Equal([1], Numbers(follower));
        Append("2}\n");
        Assert.Equal([2], Numbers(follower));
    }

    [Fact]
    public void Reads_the_rest_of_a_journal_moved_aside_then_the_new_one()
    {
        var follower = new JournalFollower(Journal);
        follower.SkipToEnd();
        Append("{\"n\":1}\n");
        Assert.Equal([1], Numbers(follower));
        Append("{\"n\":2}\n");
        File.Move(Journal, Journal + ".1");
        Append("{\"n\":3}\n");
        Assert.Equal([2, 3], Numbers(follower));
        File.Delete(Journal);
        Assert.Empty(Numbers(follower));
        Append("{\"n\":4}\n");
        Assert.Equal([4], Numbers(follower));
    }
}
