using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Actions;

/// <summary>
/// Node actions as shipped: Ganeti's hook (the published hookrelay-hook) queues the action on the
/// node that must act, the drainer runs it against a real QEMU, and its outcome is an event that
/// reaches the routes asking for kind="action", and only those.
/// </summary>
public sealed class ActionProcessTests : IDisposable
{
    private const string Instance = "web-1.lab.example";
    private const string DiskUuid = "abeb0b7e-7648-445f-939d-450b502f925c";
    private const long Mib = 1024 * 1024;
    private readonly HookRelayHost _host = new();

    private string Outcomes => Path.Combine(_host.Dir.Path, "outcomes.jsonl");

    private string HookEvents => Path.Combine(_host.Dir.Path, "hook-events.jsonl");

    private void Configure(string controlDir, string actionExtra = "") => _host.Configure($$"""
        sinks:
          outcomes: { type: file, path: {{Outcomes}} }
          hooks: { type: file, path: {{HookEvents}} }
        routes:
          - { name: action-outcomes, matchers: ['kind="action"'], on_node: all, to: [outcomes] }
          - { name: disk-grows, matchers: ['hook="disk-grow"'], on_node: all, to: [hooks] }
        actions:
          disk_resize: { control_dir: {{controlDir}}{{actionExtra}} }
        """);

    private Task<HookRun> DiskGrowPost(string node) => _host.RunHookAsync("disk-grow-post-node1-01", node, env =>
    {
        env["GANETI_INSTANCE_HYPERVISOR"] = "kvm";
        env["GANETI_POST_INSTANCE_HYPERVISOR"] = "kvm";
    });

    private static List<JsonElement> Lines(string path) => File.Exists(path)
        ? [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone())]
        : [];

    [Fact]
    public async Task Disk_grow_post_on_the_primary_resizes_QEMU_and_the_outcome_reaches_the_route_that_asks_for_it()
    {
        await using var qemu = await QemuGuest.StartAsync(_host.Dir.Path, Instance, DiskUuid, 1024 * Mib);
        qemu.GrowFile(1280 * Mib);
        Configure(qemu.ControlDir);

        var run = await DiskGrowPost("node1.lab.example");
        Assert.True(run.ExitCode == 0 && run.Stdout.Length == 0, $"hook: exit {run.ExitCode} {run.Stdout} {run.Stderr}");
        await _host.DrainAsync();

        Assert.Equal(1280 * Mib, await qemu.QemuSizeAsync());
        var outcome = Assert.Single(Lines(Outcomes));
        Assert.Equal("org.hookrelay.action.done", outcome.GetProperty("type").GetString());
        Assert.Equal(Instance, outcome.GetProperty("subject").GetString());
        var own = outcome.GetProperty("data").GetProperty("hookrelay");
        Assert.Equal("action", own.GetProperty("kind").GetString());
        Assert.Equal("disk_resize", own.GetProperty("action").GetString());
        Assert.Contains("from 1024 MiB to 1280 MiB, read back", own.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // The route written for Ganeti's events got the hook event, and not the outcome.
        Assert.Equal(["org.ganeti.disk-grow.post"], Lines(HookEvents).Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(own.GetProperty("about").GetProperty("id").GetString(), Lines(HookEvents)[0].GetProperty("id").GetString());

        var status = await _host.CliAsync("status", "--json");
        using var json = JsonDocument.Parse(status.Stdout);
        var last = Assert.Single(json.RootElement.GetProperty("recent_action_runs").EnumerateArray());
        Assert.Equal("done", last.GetProperty("outcome").GetString());
        Assert.Equal(Instance, last.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task A_node_that_is_not_the_primary_queues_no_action()
    {
        Configure(Path.Combine(_host.Dir.Path, "ctrl"));

        var run = await DiskGrowPost("node2.lab.example");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, _host.Count("sink LIKE 'action:%'"));
        Assert.Equal(1, _host.Count("sink = 'hooks'"));
    }

    [Fact]
    public async Task A_QEMU_that_never_answers_ends_in_a_dead_letter_and_a_failed_outcome_event()
    {
        var controlDir = Directory.CreateDirectory(Path.Combine(_host.Dir.Path, "ctrl")).FullName;
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream,
            System.Net.Sockets.ProtocolType.Unspecified);
        silent.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(controlDir, Instance + ".qmp")));
        silent.Listen(8);
        Configure(controlDir, ", timeout: 1s, max_attempts: 2, backoff: { initial: 100ms, max: 200ms }");

        Assert.Equal(0, (await DiskGrowPost("node1.lab.example")).ExitCode);
        await _host.DrainAsync();

        Assert.Equal(1, _host.Count("sink = 'action:disk_resize' AND state = 2 AND attempts = 2"));
        var outcome = Assert.Single(Lines(Outcomes));
        Assert.Equal("org.hookrelay.action.failed", outcome.GetProperty("type").GetString());
        Assert.StartsWith("QEMU did not answer on ", outcome.GetProperty("data").GetProperty("hookrelay").GetProperty("reason").GetString(), StringComparison.Ordinal);
        var dlq = await _host.CliAsync("dlq", "list");
        Assert.Contains("action:disk_resize", dlq.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _host.Dispose();
}
