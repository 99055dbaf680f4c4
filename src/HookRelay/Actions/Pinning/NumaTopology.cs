namespace HookRelay.Actions.Pinning;

/// <summary>One physical core: the CPUs (SMT threads) that share it.</summary>
public sealed record Core(IReadOnlyList<int> Cpus)
{
    public override string ToString() => CpuList.Format(Cpus);
}

/// <summary>One NUMA node and its physical cores, online CPUs only.</summary>
public sealed record NumaNode(int Id, IReadOnlyList<Core> Cores)
{
    public IEnumerable<int> Cpus => Cores.SelectMany(c => c.Cpus);
}

/// <summary>
/// The machine's NUMA nodes and cores as sysfs describes them (devices/system/node/nodeN/cpulist,
/// devices/system/cpu/cpuN/topology/thread_siblings_list, devices/system/cpu/online). A kernel
/// without NUMA (no devices/system/node) is one node with every online CPU.
/// </summary>
public sealed record NumaTopology(IReadOnlyList<NumaNode> Nodes)
{
    public static NumaTopology Read(string sysfsRoot = "/sys")
    {
        var system = Path.Combine(sysfsRoot, "devices", "system");
        var online = CpuList.Parse(File.ReadAllText(Path.Combine(system, "cpu", "online")));
        var nodeDir = Path.Combine(system, "node");
        var nodes = Directory.Exists(nodeDir)
            ? Directory.GetDirectories(nodeDir, "node*")
                .Select(d => (Id: int.TryParse(Path.GetFileName(d)[4..], out var id) ? id : -1, Dir: d))
                .Where(n => n.Id >= 0 && File.Exists(Path.Combine(n.Dir, "cpulist")))
                .OrderBy(n => n.Id)
                .Select(n => (n.Id, Cpus: CpuList.Parse(File.ReadAllText(Path.Combine(n.Dir, "cpulist")))))
                .ToList()
            : [(Id: 0, Cpus: online)];
        return new NumaTopology([.. nodes
            .Select(n => new NumaNode(n.Id, Cores(system, [.. n.Cpus.Where(online.Contains)])))
            .Where(n => n.Cores.Count > 0)]);
    }

    /// <summary>The node's CPUs grouped by core: each CPU with its online SMT siblings, once.</summary>
    private static List<Core> Cores(string system, List<int> cpus)
    {
        var cores = new List<Core>();
        var seen = new HashSet<int>();
        foreach (var cpu in cpus)
        {
            if (seen.Contains(cpu))
            {
                continue;
            }
            var siblings = Path.Combine(system, "cpu", $"cpu{cpu}", "topology", "thread_siblings_list");
            var core = File.Exists(siblings) ? CpuList.Parse(File.ReadAllText(siblings)).Where(cpus.Contains).ToList() : [cpu];
            if (!core.Contains(cpu))
            {
                core.Add(cpu);
            }
            seen.UnionWith(core);
            cores.Add(new Core([.. core.Order()]));
        }
        return cores;
    }
}
