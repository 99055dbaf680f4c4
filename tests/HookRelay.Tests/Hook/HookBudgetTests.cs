using System.Diagnostics;
using HookRelay.Hook;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Hook;

/// <summary>
/// A hook holds Ganeti's locks while it runs: whatever it waits on, it must give up within its
/// budget. A FIFO without a reader as the file sink's path makes open() block forever.
/// </summary>
public class HookBudgetTests
{
    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", ["-m", "600", path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private static async Task<HookRun> RunWithBlockedSink(string capture, string hookSection)
    {
        var binary = RequiredService.HookRelayBinary();
        using var dir = new TempDir();
        var fifo = Path.Combine(dir.Path, "blocked.fifo");
        MakeFifo(fifo);
        var config = dir.File("hookrelay.yaml", $$"""
            hook: {{hookSection}}
            sinks: { stuck: { type: file, path: "{{fifo}}" } }
            routes: [ { name: all, on_node: all, to: [stuck] } ]
            """);
        return await HookProcess.RunAsync(binary, Fixtures.Env(capture),
            new Dictionary<string, string> { ["HOOKRELAY_CONFIG"] = config, ["HOOKRELAY_NODE"] = "node1.lab.example" },
            TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Post_hook_gives_up_within_its_budget_and_exits_zero()
    {
        var run = await RunWithBlockedSink("instance-migrate-post-node1-01", "{ budget: 1s }");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.InRange(run.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Contains("gave up after the hook budget of 1s", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Pre_hook_that_runs_out_of_budget_denies_when_configured_to()
    {
        var run = await RunWithBlockedSink("instance-migrate-pre-node1-01", "{ budget: 1s, on_internal_error: deny }");
        Assert.Equal(HookExitCodes.InternalErrorDenied, run.ExitCode);
        Assert.Contains("instance-migrate-pre: gave up", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pre_hook_that_runs_out_of_budget_allows_by_default()
    {
        var run = await RunWithBlockedSink("instance-migrate-pre-node1-01", "{ budget: 1s }");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
    }
}
