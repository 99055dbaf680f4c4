using HookRelay.Tests.Support;

namespace HookRelay.Tests.Outbox;

/// <summary>Ganeti runs hooks for many jobs at once: every one of them must get its event queued.</summary>
public sealed class ConcurrentEnqueueTests : IDisposable
{
    private readonly HookRelayHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Fifty_hook_processes_enqueuing_at_once_all_succeed()
    {
        _host.Configure($$"""
            sinks:
              a: { type: file, path: "{{_host.Dir.Path}}/a.jsonl" }
              b: { type: file, path: "{{_host.Dir.Path}}/b.jsonl" }
            routes: [ { name: all, on_node: all, to: [a, b] } ]
            """);
        var runs = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => _host.RunHookAsync("instance-migrate-post-node1-01",
            change: env => env["GANETI_INSTANCE_NAME"] = $"vm-{i}")));
        Assert.All(runs, run => Assert.True(run.ExitCode == 0 && run.Stderr.Length == 0, $"exit {run.ExitCode}: {run.Stderr}"));
        Assert.Equal(100, _host.Count("state = 0"));
        Assert.Equal(50, _host.Count("sink = 'a' AND okey LIKE 'vm-%'"));
        Assert.Equal(50, _host.Count("sink = 'b' AND event IN (SELECT id FROM events)"));
        var drain = await _host.DrainAsync();
        Assert.True(_host.Count("state = 0") == 0, $"left pending after the drain: {_host.Count("state = 0")}; drainer said: {drain.Stderr}");
        Assert.Equal(50, File.ReadAllLines(Path.Combine(_host.Dir.Path, "a.jsonl")).Distinct().Count());
    }
}
