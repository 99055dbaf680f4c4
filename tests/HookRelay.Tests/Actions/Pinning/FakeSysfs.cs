using HookRelay.Actions.Pinning;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Actions.Pinning;

/// <summary>A sysfs-like tree (devices/system/{cpu,node}) for a machine that is not this one.</summary>
public sealed class FakeSysfs : IDisposable
{
    private readonly TempDir _dir = new();

    public string Root => _dir.Path;

    /// <param name="nodes">Each NUMA node's CPUs.</param>
    /// <param name="smt">CPUs per core: siblings are CPUs n and n + total/smt, as Linux numbers them on x86.</param>
    public static FakeSysfs Machine(int[][] nodes, int smt = 1, int[]? offline = null, bool numa = true)
    {
        var sysfs = new FakeSysfs();
        var system = Path.Combine(sysfs.Root, "devices", "system");
        var all = nodes.SelectMany(n => n).Order().ToList();
        var online = all.Except(offline ?? []).ToList();
        Directory.CreateDirectory(Path.Combine(system, "cpu"));
        File.WriteAllText(Path.Combine(system, "cpu", "online"), CpuList.Format(online) + "\n");
        var perCore = all.Count / smt;
        foreach (var cpu in all)
        {
            var topology = Directory.CreateDirectory(Path.Combine(system, "cpu", $"cpu{cpu}", "topology")).FullName;
            var first = cpu % perCore;
            File.WriteAllText(Path.Combine(topology, "thread_siblings_list"), CpuList.Format(Enumerable.Range(0, smt).Select(s => first + (s * perCore))) + "\n");
        }
        if (numa)
        {
            for (var n = 0; n < nodes.Length; n++)
            {
                var node = Directory.CreateDirectory(Path.Combine(system, "node", $"node{n}")).FullName;
                File.WriteAllText(Path.Combine(node, "cpulist"), CpuList.Format(nodes[n]) + "\n");
            }
        }
        return sysfs;
    }

    public NumaTopology Topology => NumaTopology.Read(Root);

    public void Dispose() => _dir.Dispose();
}
