using HookRelay.Hook;
using HookRelay.Outbox;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Hook;

/// <summary>
/// A hook holds Ganeti's locks while it runs: whatever it waits on, it must give up within its
/// budget. Here it waits on the outbox, whose write lock another process holds and never releases.
/// </summary>
public class HookBudgetTests
{
    private static async Task<HookRun> RunWithLockedOutbox(string capture, string hookSection)
    {
        using var host = new HookRelayHost();
        host.Configure($$"""
            hook: {{hookSection}}
            sinks: { out: { type: file, path: "{{host.Dir.Path}}/events.jsonl" } }
            routes: [ { name: all, on_node: all, to: [out] } ]
            """);
        using var holder = OutboxDatabase.Open(host.StateDir, new OutboxOptions(true, TimeSpan.FromSeconds(5), OutboxDatabase.DefaultMaxSizeBytes));
        using var writeLock = holder.BeginTransaction();
        return await host.RunHookAsync(capture);
    }

    [Fact]
    public async Task Post_hook_gives_up_within_its_budget_and_exits_zero()
    {
        var run = await RunWithLockedOutbox("instance-migrate-post-node1-01", "{ budget: 1s }");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10));
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("instance-migrate-post:", line, StringComparison.Ordinal);
        Assert.True(line.Contains("gave up after the hook budget of 1s", StringComparison.Ordinal)
            || line.Contains("NOT queued", StringComparison.Ordinal), line);
    }

    [Fact]
    public async Task Pre_hook_that_runs_out_of_budget_denies_when_configured_to()
    {
        var run = await RunWithLockedOutbox("instance-migrate-pre-node1-01", "{ budget: 1s, on_internal_error: deny }");
        Assert.Equal(HookExitCodes.InternalErrorDenied, run.ExitCode);
        Assert.Contains("instance-migrate-pre:", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pre_hook_that_runs_out_of_budget_allows_by_default()
    {
        var run = await RunWithLockedOutbox("instance-migrate-pre-node1-01", "{ budget: 1s }");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
    }

    /// <summary>
    /// Waits nothing bounds by itself: the run journal is a FIFO nobody reads, so opening it never
    /// returns. Only the budget's timer ends the run, after the event was queued.
    /// </summary>
    [Theory]
    [InlineData("instance-migrate-pre-node1-01", "{ budget: 1s, on_internal_error: deny }", HookExitCodes.InternalErrorDenied)]
    [InlineData("instance-migrate-post-node1-01", "{ budget: 1s, on_internal_error: deny }", HookExitCodes.Ok)]
    public async Task The_budget_ends_a_run_stuck_where_nothing_else_would(string capture, string hookSection, int expectedExit)
    {
        using var host = new HookRelayHost();
        host.Configure($$"""
            hook: {{hookSection}}
            sinks: { out: { type: file, path: "{{host.Dir.Path}}/events.jsonl" } }
            routes: [ { name: all, on_node: all, to: [out] } ]
            """);
        Directory.CreateDirectory(host.StateDir);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [Path.Combine(host.StateDir, RunJournal.FileName)]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var run = await host.RunHookAsync(capture);

        Assert.Equal(expectedExit, run.ExitCode);
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("gave up after the hook budget of 1s; nothing more was done", line, StringComparison.Ordinal);
        Assert.Equal(1, host.Count("1 = 1"));
    }
}
