using System.Text.Json;
using HookRelay.Hook;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Gates;

/// <summary>The http policy in the published hook binary, run as Ganeti runs a pre hook.</summary>
public sealed class HttpGateProcessTests : IAsyncLifetime
{
    private readonly HookRelayHost _host = new();
    private TestReceiver _server = null!;

    public async ValueTask InitializeAsync() => _server = await OpaCompatibleServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _host.Dispose();
    }

    private void Configure(string onError, string timeout = "2s") => _host.Configure($$"""
        sinks: { out: { type: file, path: "{{_host.Dir.Path}}/events.jsonl" } }
        routes:
          - { name: gate-news, matchers: ['verdict="deny"'], to: [out] }
          - { name: gate-trouble, matchers: ['gate_failed=~".+"', 'verdict="allow"'], to: [out] }
        gates:
          - name: policy
            matchers: ['hook=~"instance-.*"', 'phase="pre"']
            http: { url: "{{OpaCompatibleServer.Url(_server, OpaCompatibleServer.AllowPath)}}", timeout: {{timeout}} }
            on_error: {{onError}}
        """);

    private async Task<JsonElement> OnlyRecordedGate()
    {
        await _host.DrainAsync();
        var line = Assert.Single(await File.ReadAllLinesAsync(Path.Combine(_host.Dir.Path, "events.jsonl"), TestContext.Current.CancellationToken));
        using var ev = JsonDocument.Parse(line);
        return Assert.Single(ev.RootElement.GetProperty("data").GetProperty("gates").EnumerateArray()).Clone();
    }

    [Fact]
    public async Task The_policy_servers_reason_is_what_the_operator_reads()
    {
        Configure(onError: "allow");
        var run = await _host.RunHookAsync("instance-add-pre-node1-01");
        Assert.Equal(HookExitCodes.Denied, run.ExitCode);
        Assert.Equal("hookrelay: denied by gate 'policy': no owner: tag\n", run.Stdout);
        var gate = await OnlyRecordedGate();
        Assert.Equal("deny", gate.GetProperty("verdict").GetString());
        Assert.False(gate.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task A_policy_server_that_is_down_lets_the_operation_through_by_on_error_allow_and_says_so_in_an_event()
    {
        Configure(onError: "allow");
        await _server.DownAsync();
        var run = await _host.RunHookAsync("instance-add-pre-node1-01");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Stdout + run.Stderr);
        var gate = await OnlyRecordedGate();
        Assert.Equal("error", gate.GetProperty("verdict").GetString());
        Assert.True(gate.GetProperty("allowed").GetBoolean());
        Assert.EndsWith("; on_error: allow", gate.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_server_that_does_not_answer_denies_by_on_error_deny_after_the_gate_timeout()
    {
        Configure(onError: "deny", timeout: "500ms");
        // The server answers only once the hook has exited: a hook that waited for it would never
        // exit (RunHookAsync fails it), whatever the machine's load.
        var asked = new TaskCompletionSource();
        var hookExited = new TaskCompletionSource();
        _server.Behaviour = async (_, _) =>
        {
            asked.TrySetResult();
            await hookExited.Task;
            return (200, null);
        };
        try
        {
            var run = await _host.RunHookAsync("instance-add-pre-node1-01");
            Assert.True(asked.Task.IsCompleted, "the hook never asked the policy server");
            Assert.Equal(HookExitCodes.Denied, run.ExitCode);
            Assert.Equal($"hookrelay: denied by gate 'policy': http://127.0.0.1:{_server.Port} did not answer within 0.5 s; on_error: deny\n", run.Stdout);
        }
        finally
        {
            hookExited.TrySetResult();
        }
        Assert.Equal("timeout", (await OnlyRecordedGate()).GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task A_hook_binary_installed_without_hookrelay_beside_it_cannot_ask_and_says_so()
    {
        Configure(onError: "deny");
        // As `hookrelay install` leaves it: compiled, for a hook that reads no YAML.
        Assert.Equal(0, (await _host.CliAsync("config", "check")).ExitCode);
        using var alone = new TempDir();
        var run = await _host.RunHookAsync("instance-add-pre-node1-01", hookBinary: _host.CopyHook(alone, withCli: false));
        Assert.Equal(HookExitCodes.Denied, run.ExitCode);
        Assert.Equal("hookrelay: denied by gate 'policy': cannot ask the policy server: hookrelay is not installed beside hookrelay-hook; on_error: deny\n", run.Stdout);
        Assert.Empty(_server.All);
    }

    [Fact]
    public async Task Simulate_asks_the_policy_server_and_shows_each_verdict_as_the_event_carries_it()
    {
        Configure(onError: "allow");
        var run = await _host.CliAsync("simulate", "instance-add", "--phase", "pre", "--node", "node1.lab.example", "--json");
        Assert.Equal(0, run.ExitCode);
        using var output = JsonDocument.Parse(run.Stdout);
        var verdict = Assert.Single(output.RootElement.GetProperty("verdicts").EnumerateArray());
        Assert.Equal("policy", verdict.GetProperty("name").GetString());
        Assert.Equal("deny", verdict.GetProperty("verdict").GetString());
        Assert.False(verdict.GetProperty("allowed").GetBoolean());
        Assert.Equal("no owner: tag", verdict.GetProperty("reason").GetString());
        Assert.True(output.RootElement.GetProperty("denied").GetBoolean());
        Assert.Single(_server.All);
    }
}
