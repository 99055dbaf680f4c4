using HookRelay.Actions.Pinning;

namespace HookRelay.Tests.Actions.Pinning;

/// <summary>Where vCPUs go on machines with 1, 2 and 4 NUMA nodes, SMT, reserved CPUs and overcommit.</summary>
public class PinPlannerTests
{
    private static readonly HashSet<int> NoneReserved = [];

    private static PinnedInstance Holding(string name, int node, int vcpus, params int[] cpus) =>
        new(name, PinnedInstance.OneToOne, node, vcpus, cpus, [], DateTimeOffset.UnixEpoch);

    [Fact]
    public void One_node_gives_each_vcpu_a_core_of_its_own_skipping_reserved_cpus()
    {
        using var sysfs = FakeSysfs.Machine([[0, 1, 2, 3]]);

        var plan = PinPlanner.Plan(sysfs.Topology, new HashSet<int> { 0 }, [], 2, "numa-1to1");

        var one = Assert.IsType<PinPlan.OneToOne>(plan);
        Assert.Equal(["1", "2"], one.Cores.Select(c => c.ToString()));
    }

    [Fact]
    public void With_smt_a_vcpu_gets_a_whole_core_and_no_core_is_given_twice()
    {
        using var sysfs = FakeSysfs.Machine([[0, 1, 2, 3, 4, 5, 6, 7]], smt: 2);
        var taken = Holding("db-1", 0, 1, 0, 4);

        var plan = PinPlanner.Plan(sysfs.Topology, NoneReserved, [taken], 2, "numa-1to1");

        Assert.Equal(["1,5", "2,6"], Assert.IsType<PinPlan.OneToOne>(plan).Cores.Select(c => c.ToString()));
    }

    [Fact]
    public void Two_nodes_put_an_instance_on_the_one_with_more_free_cores_never_across_nodes()
    {
        using var sysfs = FakeSysfs.Machine([[0, 1, 2, 3], [4, 5, 6, 7]]);
        var busy = Holding("db-1", 0, 3, 0, 1, 2);

        var plan = PinPlanner.Plan(sysfs.Topology, NoneReserved, [busy], 3, "numa-1to1");

        var one = Assert.IsType<PinPlan.OneToOne>(plan);
        Assert.Equal(1, one.Node);
        Assert.Equal(["4", "5", "6"], one.Cores.Select(c => c.ToString()));
    }

    [Fact]
    public void Four_nodes_with_too_few_free_cores_anywhere_pin_the_instance_to_its_least_loaded_nodes_cpus()
    {
        using var sysfs = FakeSysfs.Machine([[0, 1], [2, 3], [4, 5], [6, 7]]);
        PinnedInstance[] others = [Holding("a", 0, 2, 0, 1), Holding("b", 1, 1, 2), Holding("c", 2, 2, 4, 5), Holding("d", 3, 2, 6, 7)];

        var plan = PinPlanner.Plan(sysfs.Topology, NoneReserved, others, 3, "numa-1to1");

        var whole = Assert.IsType<PinPlan.WholeNode>(plan);
        Assert.Equal(1, whole.Node);
        Assert.Equal([2, 3], whole.Cpus);
    }

    [Fact]
    public void Spread_always_takes_the_least_loaded_nodes_cpus()
    {
        using var sysfs = FakeSysfs.Machine([[0, 1, 2, 3], [4, 5, 6, 7]]);

        var plan = PinPlanner.Plan(sysfs.Topology, NoneReserved, [Holding("a", 0, 1, 0)], 1, "spread");

        Assert.Equal([4, 5, 6, 7], Assert.IsType<PinPlan.WholeNode>(plan).Cpus);
    }

    [Fact]
    public void Reserving_every_cpu_leaves_nothing_to_pin_and_says_so()
    {
        using var sysfs = FakeSysfs.Machine([[0, 1]]);

        var plan = PinPlanner.Plan(sysfs.Topology, new HashSet<int> { 0, 1 }, [], 1, "numa-1to1");

        Assert.Contains("reserve_cpus (0-1) holds every online CPU", Assert.IsType<PinPlan.None>(plan).Why, StringComparison.Ordinal);
    }
}
