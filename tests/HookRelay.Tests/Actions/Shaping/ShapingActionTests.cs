using HookRelay.Actions;
using HookRelay.Actions.Shaping;
using HookRelay.Events;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Actions.Shaping;

/// <summary>Rates are measured with iperf3: nothing else may load the machine's two cores meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredTraffic
{
    public const string Name = "measured traffic";
}

/// <summary>
/// The shaping action on a real kernel, in namespaces made like a Ganeti node's network
/// (<see cref="ShapingNetwork"/>): rates measured with iperf3, classes and counters read with tc,
/// elements with nft, and what is not HookRelay's checked to be exactly as it was.
/// </summary>
[Collection(MeasuredTraffic.Name)]
public sealed class ShapingActionTests : IDisposable
{
    private readonly ShapingNetwork _net;

    public ShapingActionTests()
    {
        ShapingNetwork.Require();
        _net = new ShapingNetwork();
    }

    private ShapingAction Action(ulong? defaultEgress = 600_000_000, ulong? defaultIngress = null) =>
        new(new Shaper(new ShapingSetup("up0", ShapingSetup.DefaultMajor, new NicRates(defaultEgress, defaultIngress), _net.NicDir), _net.Tool), _net.StateDir, TimeSpan.FromSeconds(10));

    private static EventView Trigger(string capture, string instance, string tags = "")
    {
        var env = Fixtures.Env(capture);
        env["GANETI_INSTANCE_NAME"] = instance;
        env["GANETI_INSTANCE_HYPERVISOR"] = "kvm";
        env["GANETI_INSTANCE_TAGS"] = tags;
        env.Remove("GANETI_POST_INSTANCE_TAGS");
        return new EventView(CloudEvent.For(HookEventParser.Parse(env, "node1.lab.example"), DateTimeOffset.UtcNow).ToJsonUtf8());
    }

    private static async Task<ActionOutcome> Run(ShapingAction action, EventView trigger)
    {
        using (trigger)
        {
            return await action.RunAsync(trigger, TestContext.Current.CancellationToken);
        }
    }

    private async Task<ActionOutcome> StartAsync(ShapingAction action, string instance, int tap, string tags)
    {
        _net.Start(instance, tap);
        return await Run(action, Trigger("instance-start-post-node1-01", instance, tags));
    }

    private string Classes() => _net.InNode("tc", "-s", "-d", "class", "show", "dev", "up0");

    /// <summary>Bytes HookRelay's inbound qdisc on tapN has sent: it restarts from zero if the qdisc is replaced.</summary>
    private ulong TapCounters(int tap)
    {
        using var qdiscs = System.Text.Json.JsonDocument.Parse(_net.InNode("tc", "-s", "-j", "qdisc", "show", "dev", $"tap{tap}", "root"));
        var root = qdiscs.RootElement.EnumerateArray().Single();
        Assert.Equal("4852:", root.GetProperty("handle").GetString());
        return root.GetProperty("bytes").GetUInt64();
    }

    private HtbClass? ClassOf(int minor) => KernelShaping.ParseClasses(Classes(), ShapingSetup.DefaultMajor).GetValueOrDefault(minor);

    [Fact]
    public async Task A_50mbit_instance_is_measured_within_ten_percent_and_an_unlimited_one_is_unaffected()
    {
        var action = Action();
        var limited = await StartAsync(action, "web-1", 0, "hookrelay:egress:50mbit");
        var unlimited = await StartAsync(action, "web-2", 1, "hookrelay:egress:none");

        Assert.Equal("web-1 shaped: nic0 tap0 out 50mbit (class 4852:1000 on up0), in unlimited", Assert.IsType<ActionOutcome.Done>(limited).What);
        Assert.Equal("web-2 shaped: nic0 tap1 out unlimited, in unlimited", Assert.IsType<ActionOutcome.Skipped>(unlimited).Why.Replace("already shaped as configured:", "shaped:", StringComparison.Ordinal));
        Assert.InRange(_net.Mbits(0), 45, 55);
        Assert.True(_net.Mbits(1) > 500, "the unlimited instance is held back");
        Assert.True(ClassOf(0x1000)!.SentBytes > 1_000_000, "web-1's traffic went through its class");
    }

    [Fact]
    public async Task Inbound_is_limited_on_the_instances_tap_within_ten_percent()
    {
        var outcome = await StartAsync(Action(defaultEgress: null), "web-1", 0, "hookrelay:ingress:20mbit");

        Assert.Equal("web-1 shaped: nic0 tap0 out unlimited, in 20mbit", Assert.IsType<ActionOutcome.Done>(outcome).What);
        Assert.InRange(_net.Mbits(0, towardsInstance: true), 18, 22);
        Assert.Contains("qdisc htb 4852: root", _net.InNode("tc", "qdisc", "show", "dev", "tap0"), StringComparison.Ordinal);
        // Nothing outbound: no class on the uplink.
        Assert.Null(ClassOf(0x1000));
    }

    [Fact]
    public async Task Stopping_one_instance_removes_exactly_its_shaping_and_leaves_the_others_classes_and_counters_untouched()
    {
        var action = Action(defaultEgress: 100_000_000);
        await StartAsync(action, "web-1", 0, "");
        await StartAsync(action, "web-2", 1, "hookrelay:ingress:50mbit");
        _net.Mbits(1, seconds: 1);
        var before = ClassOf(0x1001)!;
        var tapBefore = TapCounters(1);
        Assert.True(before.SentBytes > 0);

        _net.Stop("web-1", 0);
        var stopped = await Run(action, Trigger("instance-stop-post-node1-01", "web-1"));

        Assert.Equal("web-1: shaping of tap0 removed after instance-stop", Assert.IsType<ActionOutcome.Done>(stopped).What);
        Assert.Null(ClassOf(0x1000));
        // Neither replaced nor reset: the same class, its counters only ever grown (a stray neighbour packet may pass meanwhile).
        var after = ClassOf(0x1001)!;
        Assert.Equal(before with { SentBytes = 0, SentPackets = 0 }, after with { SentBytes = 0, SentPackets = 0 });
        Assert.InRange(after.SentBytes, before.SentBytes, before.SentBytes + 10_000);
        Assert.InRange(TapCounters(1), tapBefore, tapBefore + 10_000);
        var elements = _net.InNode("nft", "list", "map", "bridge", "hookrelay", "egress");
        Assert.DoesNotContain("\"tap0\"", elements, StringComparison.Ordinal);
        Assert.Contains("\"tap1\" : 4852:1001", elements, StringComparison.Ordinal);
        Assert.Equal(["web-2"], ShapingLedger.Peek(_net.StateDir).Keys);
        // A second stop finds nothing left to do.
        Assert.IsType<ActionOutcome.Skipped>(await Run(action, Trigger("instance-stop-post-node1-01", "web-1")));
    }

    [Fact]
    public async Task A_migration_away_removes_the_shaping_on_the_old_primary()
    {
        var action = Action();
        await StartAsync(action, "web-1", 0, "");
        _net.Stop("web-1", 0);

        var away = await Run(action, Trigger("instance-migrate-post-node1-01", "web-1"));

        Assert.Equal("web-1: shaping of tap0 removed after instance-migrate", Assert.IsType<ActionOutcome.Done>(away).What);
        Assert.Null(ClassOf(0x1000));
        Assert.Empty(ShapingLedger.Peek(_net.StateDir));
    }

    [Fact]
    public async Task A_repeated_start_changes_nothing_and_a_modify_with_new_tags_changes_only_that_class()
    {
        var action = Action();
        await StartAsync(action, "web-1", 0, "hookrelay:egress:50mbit");
        await StartAsync(action, "web-2", 1, "hookrelay:egress:50mbit");
        var other = ClassOf(0x1001);

        var again = await Run(action, Trigger("instance-start-post-node1-01", "web-1", "hookrelay:egress:50mbit"));
        var modified = await Run(action, Trigger("instance-modify-post-node1-01", "web-1", "hookrelay:egress:200mbit"));

        Assert.IsType<ActionOutcome.Skipped>(again);
        Assert.Equal("web-1 shaped: nic0 tap0 out 200mbit (class 4852:1000 on up0), in unlimited", Assert.IsType<ActionOutcome.Done>(modified).What);
        Assert.Equal(200_000_000UL, ClassOf(0x1000)!.Rate);
        Assert.Equal(other, ClassOf(0x1001));
        Assert.Equal(["hookrelay:egress:200mbit"], ShapingLedger.Peek(_net.StateDir)["web-1"].Tags);
    }

    [Fact]
    public async Task A_modify_that_hot_adds_or_removes_a_nic_shapes_or_frees_exactly_that_tap()
    {
        var action = Action(defaultEgress: 100_000_000);
        await StartAsync(action, "web-1", 0, "");
        var first = ClassOf(0x1000);
        // Ganeti's hotplug writes the new NIC's tap beside the first, and removes it again on a NIC removal.
        var second = Path.Combine(_net.NicDir, "web-1", "1");
        File.WriteAllText(second, "tap1\n");

        var added = await Run(action, Trigger("instance-modify-post-node1-01", "web-1"));
        var bothShaped = (ClassOf(0x1000), ClassOf(0x1001));
        File.Delete(second);
        var removed = await Run(action, Trigger("instance-modify-post-node1-01", "web-1"));

        Assert.Equal("web-1 shaped: nic0 tap0 out 100mbit (class 4852:1000 on up0), in unlimited; nic1 tap1 out 100mbit (class 4852:1001 on up0), in unlimited",
            Assert.IsType<ActionOutcome.Done>(added).What);
        Assert.Equal(first, bothShaped.Item1);
        Assert.NotNull(bothShaped.Item2);
        Assert.Equal("web-1 shaped: nic0 tap0 out 100mbit (class 4852:1000 on up0), in unlimited; shaping of tap1 removed (a NIC gone)",
            Assert.IsType<ActionOutcome.Done>(removed).What);
        Assert.Null(ClassOf(0x1001));
        Assert.Equal(first, ClassOf(0x1000) is { } kept ? kept with { SentBytes = first!.SentBytes, SentPackets = first.SentPackets } : null);
        Assert.DoesNotContain("\"tap1\"", _net.InNode("nft", "list", "map", "bridge", "hookrelay", "egress"), StringComparison.Ordinal);
        Assert.Equal(["tap0"], ShapingLedger.Peek(_net.StateDir)["web-1"].Taps.Select(t => t.Tap));
    }

    [Fact]
    public async Task Foreign_tc_and_nftables_rules_survive_start_stop_and_reconcile()
    {
        var site = Path.Combine(_net.Dir, "site.nft");
        File.WriteAllText(site, """
            table inet site {
              chain forward { type filter hook forward priority -10; policy accept; iifname "tap0" counter; }
            }
            table bridge site {
              chain forward { type filter hook forward priority 10; policy accept; ether type ip counter; }
            }
            """);
        _net.InNode("nft", "-f", site);
        _net.InNode("tc", "qdisc", "add", "dev", "up0", "ingress");
        _net.InNode("tc", "qdisc", "add", "dev", "br0", "root", "handle", "7:", "tbf", "rate", "1gbit", "burst", "100k", "latency", "50ms");
        string Foreign() => _net.InNode("nft", "list", "table", "inet", "site") + _net.InNode("nft", "list", "table", "bridge", "site")
            + _net.InNode("tc", "qdisc", "show", "dev", "br0") + _net.InNode("tc", "qdisc", "show", "dev", "up0", "ingress");
        var before = Foreign();

        var action = Action();
        Assert.IsType<ActionOutcome.Done>(await StartAsync(action, "web-1", 0, ""));
        using (var ledger = ShapingLedger.Open(_net.StateDir, TimeSpan.FromSeconds(5)))
        {
            await new Shaper(new ShapingSetup("up0", ShapingSetup.DefaultMajor, new NicRates(600_000_000, null), _net.NicDir), _net.Tool)
                .ReconcileAsync(ledger, dryRun: false, TestContext.Current.CancellationToken);
        }
        _net.Stop("web-1", 0);
        Assert.IsType<ActionOutcome.Done>(await Run(action, Trigger("instance-stop-post-node1-01", "web-1")));

        Assert.Equal(before, Foreign());
    }

    [Fact]
    public async Task A_root_qdisc_on_the_uplink_that_is_not_hookrelays_is_named_and_left_alone()
    {
        _net.InNode("tc", "qdisc", "add", "dev", "up0", "root", "handle", "1:", "htb", "default", "10");

        var outcome = await StartAsync(Action(), "web-1", 0, "");

        var failed = Assert.IsType<ActionOutcome.Failed>(outcome);
        Assert.False(failed.Retry);
        Assert.StartsWith("web-1: up0 has a root qdisc HookRelay did not make (htb 1:): outbound traffic is not shaped", failed.Error, StringComparison.Ordinal);
        Assert.Contains("qdisc htb 1: root", _net.InNode("tc", "qdisc", "show", "dev", "up0"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_instance_on_another_hypervisor_is_skipped_with_the_reason()
    {
        var env = Fixtures.Env("instance-start-post-node1-01");
        env["GANETI_INSTANCE_NAME"] = "web-1";
        using var trigger = new EventView(CloudEvent.For(HookEventParser.Parse(env, "node1.lab.example"), DateTimeOffset.UtcNow).ToJsonUtf8());

        var outcome = await Action().RunAsync(trigger, TestContext.Current.CancellationToken);

        Assert.Equal("web-1 runs on the fake hypervisor; only kvm gives its NICs taps to shape", Assert.IsType<ActionOutcome.Skipped>(outcome).Why);
    }

    public void Dispose() => _net.Dispose();
}
