using System.Text.Json;
using HookRelay.Actions.Shaping;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

/// <summary>
/// `hookrelay shape reconcile|status`, the published binary run inside a node's network
/// namespace, against the kernel's own tc and nftables state.
/// </summary>
public sealed class ShapeCommandTests : IDisposable
{
    private readonly ShapingNetwork _net;
    private readonly string _bin;
    private readonly string _config;

    public ShapeCommandTests()
    {
        _bin = RequiredService.HookRelayBinary();
        ShapingNetwork.Require();
        _net = new ShapingNetwork();
        _config = Path.Combine(_net.Dir, "hookrelay.yaml");
        File.WriteAllText(_config, $"""
            state_dir: {_net.StateDir}
            actions:
              shaping: {"{"} device: up0, default_egress: 100mbit, nic_dir: {_net.NicDir} {"}"}
            """);
    }

    private (int Exit, string Output) Shape(params string[] arguments) => _net.TryInNode([_bin, "shape", .. arguments, "--config", _config]);

    /// <summary>The ledger as an earlier start of web-1 with a 50 mbit tag left it.</summary>
    private async Task ShapedBeforeAsync()
    {
        _net.Start("web-1", 0);
        using var ledger = ShapingLedger.Open(_net.StateDir, TimeSpan.FromSeconds(5));
        await new Shaper(new ShapingSetup("up0", ShapingSetup.DefaultMajor, new NicRates(100_000_000, null), _net.NicDir), _net.Tool)
            .ApplyAsync(ledger, "web-1", GanetiNics.Of(_net.NicDir, "web-1"), ["hookrelay:egress:50mbit"], dryRun: false, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Reconcile_repairs_what_a_crash_lost_shapes_instances_it_never_saw_and_a_second_run_changes_nothing()
    {
        await ShapedBeforeAsync();
        // Lost: web-1's class and classification (as if the uplink was reset); never seen: web-2, started while the daemon was down.
        _net.InNode("tc", "class", "del", "dev", "up0", "classid", "4852:1000");
        _net.InNode("nft", "flush", "map", "bridge", "hookrelay", "egress");
        _net.Start("web-2", 1);

        var dry = Shape("reconcile", "--dry-run");
        Assert.True(dry.Exit == 0, dry.Output);
        Assert.StartsWith("would change (4):", dry.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("4852:1000", _net.InNode("tc", "class", "show", "dev", "up0"), StringComparison.Ordinal);

        var first = Shape("reconcile");
        var second = Shape("reconcile");

        Assert.True(first.Exit == 0, first.Output);
        Assert.Equal("""
            changed (4):
              web-1 nic0 (tap0): outbound 50mbit in class 4852:1000 on up0
              web-1 nic0 (tap0): its packets classified into 4852:1000
              web-2 nic0 (tap1): outbound 100mbit in class 4852:1001 on up0
              web-2 nic0 (tap1): its packets classified into 4852:1001
              note: web-2: not in the ledger, shaped by the configured defaults (its tags reach HookRelay with its next start, migration or modify)

            """.Replace("\r", "", StringComparison.Ordinal), first.Output);
        Assert.Equal((0, "nothing to change: the kernel already shapes what runs here\n"), second);
        Assert.Contains("\"tap0\" : 4852:1000", _net.InNode("nft", "list", "map", "bridge", "hookrelay", "egress"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_removes_the_shaping_of_an_instance_that_no_longer_runs_here()
    {
        await ShapedBeforeAsync();
        _net.Stop("web-1", 0);

        var run = Shape("reconcile");

        Assert.True(run.Exit == 0, run.Output);
        Assert.Contains("class 4852:1000 on up0 removed (web-1 nic0 no longer here)", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("4852:1000", _net.InNode("tc", "class", "show", "dev", "up0"), StringComparison.Ordinal);
        Assert.DoesNotContain("tap0", _net.InNode("nft", "list", "map", "inet", "hookrelay", "egress"), StringComparison.Ordinal);
        Assert.Empty(ShapingLedger.Peek(_net.StateDir));
    }

    [Fact]
    public async Task Status_shows_rates_and_counters_and_names_what_drifted_with_the_repair()
    {
        await ShapedBeforeAsync();
        _net.Start("web-2", 1);
        _net.Mbits(0, seconds: 1);

        var healthy = Shape("status", "--json");
        _net.InNode("nft", "flush", "map", "inet", "hookrelay", "egress");
        var drifted = Shape("status");

        Assert.True(healthy.Exit == 0, healthy.Output);
        using var json = JsonDocument.Parse(healthy.Output);
        var tap = json.RootElement.GetProperty("taps").EnumerateArray().Single();
        Assert.Equal("web-1", tap.GetProperty("instance").GetString());
        Assert.Equal("50mbit", tap.GetProperty("egress").GetString());
        Assert.Equal("4852:1000", tap.GetProperty("class").GetString());
        Assert.True(tap.GetProperty("out_bytes").GetUInt64() > 1_000_000);
        Assert.Equal("ok", tap.GetProperty("check").GetString());
        Assert.Equal(["web-2"], json.RootElement.GetProperty("running_unshaped").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("web-1  nic0 tap0  out 50mbit [4852:1000] sent ", drifted.Output, StringComparison.Ordinal);
        Assert.Contains("not classified by nftables ('hookrelay shape reconcile' repairs it)", drifted.Output, StringComparison.Ordinal);
        Assert.Contains("web-2  running here, not shaped ('hookrelay shape reconcile' shapes it)", drifted.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_actions_shaping_in_the_configuration_both_commands_say_so_and_fail()
    {
        File.WriteAllText(_config, $"state_dir: {_net.StateDir}\n");

        var run = Shape("status");

        Assert.Equal(1, run.Exit);
        Assert.Equal($"hookrelay: shape: {_config} has no actions.shaping (device: the uplink to shape on)\n", run.Output);
    }

    public void Dispose() => _net.Dispose();
}
