using HookRelay.Delivery;
using HookRelay.Outbox;

namespace HookRelay.Tests.Delivery;

public class DeliveryBacklogTests
{
    private const long Now = 1_800_000_000_000;

    private static PendingDelivery Row(long id, string key, string sink = "chat", long next = Now) =>
        new(id, id, sink, "r", key, 0, next, null, Now - 5000);

    private static Dictionary<string, LaneCapacity> Lanes(int slots = 4, long pausedUntil = 0) => new() { ["chat"] = new(slots, pausedUntil) };

    private static Dictionary<string, long[]> Started(List<DeliveryGroup> groups) =>
        groups.ToDictionary(g => g.Key.Key, g => g.Rows.Select(r => r.Id).ToArray());

    private static Outcome Delivered(long id) => new(id, OutcomeKind.Delivered, 1, Now, null);

    [Fact]
    public void Rows_of_one_key_go_out_as_one_ordered_group()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "b"), Row(3, "a"), Row(4, "a")]);
        var started = Started(backlog.TakeDue(Now, Lanes(), out _));
        Assert.Equal([1, 3, 4], started["a"]);
        Assert.Equal([2], started["b"]);
    }

    [Fact]
    public void A_key_whose_oldest_row_waits_in_backoff_sends_nothing_newer()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a", next: Now + 5000), Row(2, "a"), Row(3, "b")]);
        var started = Started(backlog.TakeDue(Now, Lanes(), out var due));
        Assert.Equal(["b"], started.Keys);
        Assert.Equal(Now + 5000, due);
    }

    [Fact]
    public void A_key_out_is_not_started_twice_until_it_is_finished()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a")]);
        Assert.Single(backlog.TakeDue(Now, Lanes(), out _));
        backlog.Add([Row(2, "a")]);
        Assert.Empty(backlog.TakeDue(Now, Lanes(), out _));
        backlog.Finish(("chat", "a"), [Delivered(1)]);
        Assert.Equal([2], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
        Assert.Equal(1, backlog.Count);
    }

    [Fact]
    public void A_retried_row_stays_first_and_holds_back_its_key_until_due()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "a")]);
        backlog.TakeDue(Now, Lanes(), out _);
        backlog.Finish(("chat", "a"), [new Outcome(1, OutcomeKind.Retry, 1, Now + 2000, "503"), Outcome.Released(Row(2, "a"))]);
        Assert.Empty(backlog.TakeDue(Now + 1000, Lanes(), out var due));
        Assert.Equal(Now + 2000, due);
        var group = Assert.Single(backlog.TakeDue(Now + 2000, Lanes(), out _));
        Assert.Equal([1L, 2L], group.Rows.Select(r => r.Id));
        Assert.Equal(1, group.Rows[0].Attempts);
    }

    [Fact]
    public void Dead_rows_leave_the_backlog()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "a")]);
        backlog.TakeDue(Now, Lanes(), out _);
        backlog.Finish(("chat", "a"), [new Outcome(1, OutcomeKind.Dead, 1, Now, "400"), Outcome.Released(Row(2, "a"))]);
        Assert.Equal([2], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void A_group_stops_at_a_row_that_is_not_due()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "a", next: Now + 1000), Row(3, "a")]);
        Assert.Equal([1], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void No_more_keys_start_than_the_sink_has_free_slots_oldest_first()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "c"), Row(2, "b"), Row(3, "a")]);
        Assert.Equal(["b", "c"], Started(backlog.TakeDue(Now, Lanes(slots: 2), out _)).Keys.Order());
    }

    [Fact]
    public void A_paused_sink_starts_nothing_and_says_when_it_resumes()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a")]);
        Assert.Empty(backlog.TakeDue(Now, Lanes(pausedUntil: Now + 30_000), out var due));
        Assert.Equal(Now + 30_000, due);
    }

    [Fact]
    public void Groups_are_bounded()
    {
        var backlog = new DeliveryBacklog(3);
        backlog.Add(Enumerable.Range(1, 10).Select(i => Row(i, "a")));
        Assert.Equal([1, 2, 3], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void Rows_of_a_sink_no_longer_configured_are_handed_back()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a", sink: "gone"), Row(2, "a")]);
        Assert.Equal(1, Assert.Single(backlog.TakeUnknownSinks(new HashSet<string> { "chat" })).Id);
        Assert.Equal([2], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void After_a_reload_a_key_still_out_is_not_started_again()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a")]);
        backlog.TakeDue(Now, Lanes(), out _);
        backlog.Clear();
        backlog.Add([Row(1, "a"), Row(2, "a")]);
        Assert.Empty(backlog.TakeDue(Now, Lanes(), out _));
        backlog.Finish(("chat", "a"), [Delivered(1)]);
        Assert.Equal([2], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }
}
