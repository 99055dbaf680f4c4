using HookRelay.Hook;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Gates;

/// <summary>Gates in the published hook binary, run as Ganeti runs a pre hook.</summary>
public sealed class GateProcessTests : IDisposable
{
    private readonly HookRelayHost _host = new();

    public GateProcessTests() => _host.Configure($$"""
        sinks: { out: { type: file, path: "{{_host.Dir.Path}}/events.jsonl" } }
        routes:
          - { name: denials, matchers: ['verdict="deny"'], to: [out] }
        gates:
          - name: naming
            matchers: ['hook="instance-add"', 'phase="pre"']
            deny_unless: { instance_name: '^[a-z0-9-]+$' }
            on_error: deny
        """);

    public void Dispose() => _host.Dispose();

    private Task<HookRun> Add(string name, string node = "node1.lab.example") =>
        _host.RunHookAsync("instance-add-pre-node1-01", node, env => env["GANETI_INSTANCE_NAME"] = name);

    [Fact]
    public async Task A_denied_pre_hook_exits_one_with_one_sentence_on_stdout()
    {
        var run = await Add("Web_1");
        Assert.Equal(HookExitCodes.Denied, run.ExitCode);
        Assert.Equal("hookrelay: denied by gate 'naming': instance name 'Web_1' does not match ^[a-z0-9-]+$\n", run.Stdout);
        Assert.Equal("", run.Stderr);
        // The denial is an event like any other, for the routes that want it (chat, timeline).
        await _host.DrainAsync();
        var line = Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_host.Dir.Path, "events.jsonl"), TestContext.Current.CancellationToken));
        using var ev = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("org.ganeti.instance-add.pre", ev.RootElement.GetProperty("type").GetString());
        var gate = Assert.Single(ev.RootElement.GetProperty("data").GetProperty("gates").EnumerateArray());
        Assert.Equal("naming", gate.GetProperty("name").GetString());
        Assert.Equal("deny", gate.GetProperty("verdict").GetString());
        Assert.Equal("instance name 'Web_1' does not match ^[a-z0-9-]+$", gate.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_allowed_pre_hook_exits_zero_silently()
    {
        var run = await Add("web-1");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Stdout + run.Stderr);
        Assert.Equal(0, _host.Count("1 = 1"));
    }

    [Fact]
    public async Task The_gate_runs_on_the_master_only_by_default()
    {
        var run = await Add("Web_1", node: "node2.lab.example");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
    }
}
