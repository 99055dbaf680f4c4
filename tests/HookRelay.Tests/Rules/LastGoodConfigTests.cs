using System.Text;
using HookRelay.Posix;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Rules;

public class LastGoodConfigTests
{
    private static string Config(string route) => $$"""
        sinks: { chat: { type: file, path: /tmp/a } }
        routes:
          - { name: {{route}}, matchers: ['hook="instance-add"'], to: [chat] }
        """;

    [Fact]
    public void An_edit_of_the_same_size_right_after_a_run_is_never_missed()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Config("aaaa"));
        Assert.Equal("aaaa", LastGoodConfig.Current(path).For("instance-add", "post", "2").Config!.Routes[0].Name);
        // Same size, same second: only the content tells them apart.
        File.WriteAllText(path, Config("bbbb"));
        Assert.Equal("bbbb", LastGoodConfig.Current(path).For("instance-add", "post", "2").Config!.Routes[0].Name);
    }

    [Fact]
    public void A_broken_file_is_an_error_and_the_last_good_one_is_recalled()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Config("good"));
        _ = LastGoodConfig.Current(path);
        File.WriteAllText(path, Config("good").Replace("routes:", "routs:", StringComparison.Ordinal));
        Assert.Throws<ConfigException>(() => LastGoodConfig.Current(path));
        var recalled = LastGoodConfig.RecallSnapshot(path)!;
        Assert.Equal("good", recalled.Snapshot.For("instance-add", "post", "2").Config!.Routes[0].Name);
        Assert.Equal(Encoding.UTF8.GetBytes(Config("good")), recalled.Snapshot.Source);
    }

    [Fact]
    public void An_identity_proves_the_file_unchanged_only_when_taken_well_after_its_last_change()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Config("a"));
        var config = ConfigLoader.Load(path);
        var identity = UnixFile.Identity(path)!.Value;
        var later = identity.ChangedNs + 5_000_000_000;
        Assert.True(ConfigSnapshot.Compile(config, identity, later).Describes(identity));
        // Taken in the same instant as the change: a write in that instant might not move the times.
        Assert.False(ConfigSnapshot.Compile(config, identity, identity.ChangedNs).Describes(identity));
        Assert.False(ConfigSnapshot.Compile(config, identity, later).Describes(identity with { Inode = identity.Inode + 1 }));
        Assert.False(ConfigSnapshot.Compile(config, null, later).Describes(identity));
    }

    [Fact]
    public void A_file_that_settled_is_then_trusted_by_its_identity_alone()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Config("settled"));
        var old = DateTime.UtcNow.AddMinutes(-5);
        File.SetLastWriteTimeUtc(path, old);
        // ctime cannot be set back: wait until the change is older than the racy window.
        Thread.Sleep(2200);
        var first = LastGoodConfig.Current(path);
        var identity = UnixFile.Identity(path)!.Value;
        Assert.True(first.Describes(identity));
        var second = LastGoodConfig.Current(path);
        Assert.True(second.Describes(identity));
    }

    [Fact]
    public void A_broken_file_leaves_its_errors_beside_it_until_it_loads_again()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Config("good"));
        _ = LastGoodConfig.Current(path);
        Assert.Null(ConfigFailure.Recall(path));
        File.WriteAllText(path, Config("good").Replace("routes:", "routs:", StringComparison.Ordinal));
        var thrown = Assert.Throws<ConfigException>(() => LastGoodConfig.Current(path));
        var failure = ConfigFailure.Recall(path)!;
        Assert.Equal(thrown.Errors, failure.Errors);
        Assert.Equal(UnixFile.Identity(path), failure.Identity);
        File.WriteAllText(path, Config("fixed"));
        Assert.Equal("fixed", LastGoodConfig.Current(path).For("instance-add", "post", "2").Config!.Routes[0].Name);
        Assert.Null(ConfigFailure.Recall(path));
    }

    [Fact]
    public void While_the_file_is_broken_an_older_builds_last_good_copy_is_cut_again_by_this_build()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Config("good").Replace("routes:", "routs:", StringComparison.Ordinal));
        // What an older HookRelay kept: the file's bytes alone.
        dir.File(".hookrelay.yaml.good-0123456789abcdef", Config("older"));
        Assert.Throws<ConfigException>(() => LastGoodConfig.Current(path));
        Assert.False(LastGoodConfig.RecallSnapshot(path)!.Snapshot.IsCurrent);

        LastGoodConfig.RecutLastGood(path);

        var recalled = LastGoodConfig.RecallSnapshot(path)!;
        Assert.True(recalled.Snapshot.IsCurrent);
        Assert.Equal(Path.Combine(dir.Path, ".hookrelay.yaml.good"), recalled.CopyPath);
        Assert.Equal("older", recalled.Snapshot.For("instance-add", "post", "2").Config!.Routes[0].Name);
        Assert.False(recalled.Snapshot.Describes(UnixFile.Identity(path)!.Value));
        // The file is still broken, and still said to be.
        Assert.NotNull(ConfigFailure.Recall(path));
    }
}
