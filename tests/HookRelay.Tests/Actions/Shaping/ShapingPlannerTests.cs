using HookRelay.Actions.Shaping;

namespace HookRelay.Tests.Actions.Shaping;

/// <summary>The planner alone, against kernel states written out by hand: what it changes, and above all what it leaves.</summary>
public sealed class ShapingPlannerTests
{
    private const int Major = 0x4852;
    private static readonly ShapingSetup Setup = new("bond1", Major, new NicRates(600_000_000, null), "/nonexistent");
    private static readonly RootQdisc OurRoot = new("htb", "4852:", 0, 0, 0);
    private static readonly RootQdisc DefaultRoot = new("noqueue", "0:", 0, 0, 0);

    private static NftTable Table(string family, params (string Tap, string Class)[] elements) =>
        new(family, true, true, elements.ToDictionary(e => e.Tap, e => e.Class, StringComparer.Ordinal));

    private static NftTable[] Tables(params (string Tap, string Class)[] elements) => [Table("bridge", elements), Table("inet", elements)];

    /// <summary>A class exactly as the planner would have made it at <paramref name="rate"/>.</summary>
    private static HtbClass Class(int minor, ulong rate, ulong sent = 0)
    {
        var r2q = Htb.R2q(600_000_000, 1500);
        return new HtbClass(minor, rate, rate, Htb.Burst(rate, 1500), Htb.Quantum(rate, r2q, 1500), sent, sent / 1000, 0);
    }

    private static KernelView Kernel(RootQdisc? uplinkRoot, IEnumerable<HtbClass> classes, NftTable[] tables, params TapState[] taps) =>
        new(new UplinkState(1500, uplinkRoot, classes.ToDictionary(c => c.Minor)), tables, taps.ToDictionary(t => t.Tap, StringComparer.Ordinal));

    private static TapState Tap(string name) => new(name, DefaultRoot, null);

    private static DesiredTap Want(string instance, string tap, int minor, ulong? egress = 50_000_000, ulong? ingress = null) =>
        new(instance, 0, tap, minor, new NicRates(egress, ingress));

    [Fact]
    public void A_first_instance_makes_the_root_the_tables_its_class_and_its_elements()
    {
        var kernel = new KernelView(new UplinkState(1500, DefaultRoot, new Dictionary<int, HtbClass>()),
            [new("bridge", false, false, new Dictionary<string, string>()), new("inet", false, false, new Dictionary<string, string>())],
            new Dictionary<string, TapState> { ["tap0"] = Tap("tap0") });

        var plan = ShapingPlanner.Plan(Setup, kernel, [Want("web-1", "tap0", 0x1000)], [], sweep: false);

        Assert.Empty(plan.Conflicts);
        var tc = plan.Steps.SelectMany(s => s.Tc).ToList();
        Assert.Equal("qdisc replace dev bond1 root handle 4852: htb r2q 375", tc[0]);
        Assert.StartsWith("class replace dev bond1 parent 4852: classid 4852:1000 htb rate 50mbit ceil 50mbit", tc[1], StringComparison.Ordinal);
        var nft = plan.Steps.SelectMany(s => s.Nft).ToList();
        Assert.Contains("add rule bridge hookrelay forward meta priority set iifname map @egress", nft);
        Assert.Contains("add rule inet hookrelay forward meta priority set iifname map @egress", nft);
        Assert.Contains("add element bridge hookrelay egress { \"tap0\" : 4852:1000 }", nft);
        Assert.Contains("add element inet hookrelay egress { \"tap0\" : 4852:1000 }", nft);
    }

    [Fact]
    public void What_already_holds_is_left_alone_counters_and_all()
    {
        var kernel = Kernel(OurRoot, [Class(0x1000, 50_000_000, sent: 123_456)], Tables(("tap0", "4852:1000")), Tap("tap0"));

        var plan = ShapingPlanner.Plan(Setup, kernel, [Want("web-1", "tap0", 0x1000)], [], sweep: true);

        Assert.True(plan.Empty, string.Join("\n", plan.Steps.Select(s => s.Says)));
    }

    [Fact]
    public void A_changed_rate_replaces_only_that_class()
    {
        var kernel = Kernel(OurRoot, [Class(0x1000, 50_000_000), Class(0x1001, 50_000_000)], Tables(("tap0", "4852:1000"), ("tap1", "4852:1001")), Tap("tap0"), Tap("tap1"));

        var plan = ShapingPlanner.Plan(Setup, kernel, [Want("web-1", "tap0", 0x1000, egress: 200_000_000), Want("web-2", "tap1", 0x1001)], [], sweep: true);

        var step = Assert.Single(plan.Steps);
        Assert.Equal("web-1 nic0 (tap0): outbound 200mbit in class 4852:1000 on bond1 (was 50mbit)", step.Says);
        Assert.StartsWith("class replace dev bond1 parent 4852: classid 4852:1000 htb rate 200mbit", Assert.Single(step.Tc), StringComparison.Ordinal);
    }

    [Fact]
    public void A_released_tap_loses_its_element_and_class_but_not_a_tap_ganeti_gave_another_instance()
    {
        var kernel = Kernel(OurRoot, [Class(0x1000, 50_000_000), Class(0x1001, 50_000_000)], Tables(("tap0", "4852:1000"), ("tap1", "4852:1001")), Tap("tap1"));

        var plan = ShapingPlanner.Plan(Setup, kernel, [Want("web-2", "tap1", 0x1001)],
            [new ReleasedTap("web-1", new ShapedTap(0, "tap0", 0x1000, 50_000_000, null)), new ReleasedTap("web-3", new ShapedTap(0, "tap1", 0x1001, 50_000_000, null))], sweep: false);

        var lines = plan.Steps.SelectMany(s => s.Tc.Concat(s.Nft)).ToList();
        Assert.Equal(
        [
            "delete element bridge hookrelay egress { \"tap0\" }",
            "delete element inet hookrelay egress { \"tap0\" }",
            "class del dev bond1 classid 4852:1000",
        ], lines);
    }

    [Fact]
    public void A_sweep_removes_elements_and_classes_no_running_instance_holds()
    {
        var kernel = Kernel(OurRoot, [Class(0x1000, 50_000_000), Class(0x1007, 50_000_000)], Tables(("tap0", "4852:1000"), ("tap7", "4852:1007")), Tap("tap0"));

        var plan = ShapingPlanner.Plan(Setup, kernel, [Want("web-1", "tap0", 0x1000)], [], sweep: true);

        Assert.Equal(
        [
            "delete element bridge hookrelay egress { \"tap7\" }",
            "delete element inet hookrelay egress { \"tap7\" }",
            "class del dev bond1 classid 4852:1007",
        ], plan.Steps.SelectMany(s => s.Tc.Concat(s.Nft)));
    }

    [Fact]
    public void Another_root_qdisc_on_the_uplink_is_a_conflict_and_is_never_replaced()
    {
        var kernel = Kernel(new RootQdisc("htb", "1:", 0, 0, 0), [], Tables(), Tap("tap0"));

        var plan = ShapingPlanner.Plan(Setup, kernel, [Want("web-1", "tap0", 0x1000, ingress: 20_000_000)], [], sweep: false);

        Assert.Equal("bond1 has a root qdisc HookRelay did not make (htb 1:): outbound traffic is not shaped; HookRelay never replaces another's qdisc (remove it with 'tc qdisc del dev bond1 root' if it is stale)",
            Assert.Single(plan.Conflicts));
        Assert.DoesNotContain(plan.Steps.SelectMany(s => s.Tc), l => l.Contains("dev bond1", StringComparison.Ordinal));
        // Inbound does not depend on the uplink: it is still shaped.
        Assert.Contains(plan.Steps, s => s.Says == "web-1 nic0 (tap0): inbound 20mbit on tap0");
    }

    [Fact]
    public void Another_root_qdisc_on_a_tap_is_a_conflict_for_inbound_only()
    {
        var kernel = Kernel(OurRoot, [Class(0x1000, 50_000_000)], Tables(("tap0", "4852:1000")), new TapState("tap0", new RootQdisc("tbf", "8001:", 0, 0, 0), null));

        var plan = ShapingPlanner.Plan(Setup, kernel, [Want("web-1", "tap0", 0x1000, ingress: 20_000_000)], [], sweep: false);

        Assert.Equal("web-1 nic0 (tap0): the tap has a root qdisc HookRelay did not make (tbf 8001:): inbound traffic is not shaped", Assert.Single(plan.Conflicts));
        Assert.True(plan.Empty);
    }

    [Fact]
    public void An_unlimited_nic_has_no_class_and_no_element()
    {
        var kernel = Kernel(OurRoot, [Class(0x1000, 50_000_000)], Tables(("tap0", "4852:1000")), new TapState("tap0", OurRoot, Class(1, 20_000_000)));

        var plan = ShapingPlanner.Plan(Setup, kernel, [Want("web-1", "tap0", 0x1000, egress: null, ingress: null)], [], sweep: false);

        Assert.Equal(
        [
            "delete element bridge hookrelay egress { \"tap0\" }",
            "delete element inet hookrelay egress { \"tap0\" }",
            "class del dev bond1 classid 4852:1000",
            "qdisc del dev tap0 root",
        ], plan.Steps.SelectMany(s => s.Tc.Concat(s.Nft)));
    }

    [Fact]
    public void Classes_are_read_from_tcs_detailed_text_listing_with_their_counters()
    {
        const string listing = """
            class htb 4852:1000 root prio 0 quantum 195312 rate 50Mbit ceil 50Mbit linklayer ethernet burst 62500b/1 mpu 0b cburst 62500b/1 mpu 0b level 0
             Sent 18855971 bytes 12477 pkt (dropped 3, overlimits 1122 requeues 0)
             backlog 0b 0p requeues 0
             lended: 1143 borrowed: 0 giants: 0
             tokens: 156075 ctokens: 3825

            class htb 1:10 root prio 0 quantum 1514 rate 1Mbit ceil 1Mbit linklayer ethernet burst 1600b/1 mpu 0b cburst 1600b/1 mpu 0b level 0
             Sent 5 bytes 1 pkt (dropped 0, overlimits 0 requeues 0)

            """;

        var classes = KernelShaping.ParseClasses(listing, Major);

        Assert.Equal(new HtbClass(0x1000, 50_000_000, 50_000_000, 62_500, 195_312, 18_855_971, 12_477, 3), Assert.Single(classes).Value);
    }
}
