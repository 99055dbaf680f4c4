using HookRelay.Actions.Pinning;

namespace HookRelay.Tests.Actions.Pinning;

public class NumaTopologyTests
{
    [Theory]
    [InlineData("0-3,8,10-11", new[] { 0, 1, 2, 3, 8, 10, 11 })]
    [InlineData("5", new[] { 5 })]
    [InlineData("0-1\n", new[] { 0, 1 })]
    public void Cpu_lists_read_and_write_as_the_kernel_does(string text, int[] cpus)
    {
        Assert.Equal(cpus, CpuList.Parse(text));
        Assert.Equal(text.Trim(), CpuList.Format(cpus));
    }

    [Fact]
    public void Two_nodes_with_smt_siblings_are_read_as_cores_of_two_threads()
    {
        // 8 CPUs, 4 cores, 2 threads each: siblings n and n+4; node 0 holds cores 0,1, node 1 cores 2,3.
        using var sysfs = FakeSysfs.Machine([[0, 1, 4, 5], [2, 3, 6, 7]], smt: 2);

        var topology = sysfs.Topology;

        Assert.Equal([0, 1], topology.Nodes.Select(n => n.Id));
        Assert.Equal(["0,4", "1,5"], topology.Nodes[0].Cores.Select(c => c.ToString()));
        Assert.Equal(["2,6", "3,7"], topology.Nodes[1].Cores.Select(c => c.ToString()));
    }

    [Fact]
    public void Offline_cpus_are_left_out_and_a_kernel_without_numa_is_one_node()
    {
        using var sysfs = FakeSysfs.Machine([[0, 1, 2, 3]], offline: [3], numa: false);

        var node = Assert.Single(sysfs.Topology.Nodes);

        Assert.Equal([0, 1, 2], node.Cpus);
    }

    [Fact]
    public void This_machine_reads_as_at_least_one_node_with_its_online_cpus()
    {
        var topology = NumaTopology.Read();

        Assert.NotEmpty(topology.Nodes);
        Assert.Equal(Environment.ProcessorCount, topology.Nodes.Sum(n => n.Cpus.Count()));
    }
}
