namespace HookRelay.Actions.Pinning;

/// <summary>Where an instance's vCPU threads go.</summary>
public abstract record PinPlan
{
    /// <summary>Each vCPU on a physical core of its own (all its SMT siblings), all on one NUMA node.</summary>
    public sealed record OneToOne(int Node, IReadOnlyList<Core> Cores) : PinPlan;

    /// <summary>Every vCPU on the CPU set of one NUMA node: too few free cores for one each, or mode spread.</summary>
    public sealed record WholeNode(int Node, IReadOnlyList<int> Cpus) : PinPlan;

    /// <summary>Nowhere to pin, and why.</summary>
    public sealed record None(string Why) : PinPlan;
}

/// <summary>
/// Decides where an instance's vCPUs go, from the machine's NUMA topology, the CPUs kept for the
/// host (reserve_cpus) and what the ledger says other instances hold. Pure: no I/O.
/// numa-1to1: one free physical core per vCPU on a single NUMA node (the one with most free
/// cores), so a vCPU never shares a core with another instance's; when no node has enough, the
/// instance gets the CPU set of its least-loaded node instead. spread: always the latter.
/// </summary>
public static class PinPlanner
{
    public static PinPlan Plan(NumaTopology topology, IReadOnlySet<int> reserved, IEnumerable<PinnedInstance> others, int vcpus, string mode)
    {
        var taken = others.Where(o => o.Mode == PinnedInstance.OneToOne).SelectMany(o => o.Cpus).ToHashSet();
        var nodes = topology.Nodes
            .Select(n => (Node: n, Usable: n.Cores.Select(c => new Core([.. c.Cpus.Where(cpu => !reserved.Contains(cpu))])).Where(c => c.Cpus.Count > 0).ToList()))
            .Where(n => n.Usable.Count > 0)
            .ToList();
        if (nodes.Count == 0)
        {
            return new PinPlan.None($"no CPU is left to pin to: reserve_cpus ({CpuList.Format(reserved)}) holds every online CPU");
        }
        if (mode != "spread")
        {
            var roomiest = nodes
                .Select(n => (n.Node, Free: n.Usable.Where(c => !c.Cpus.Any(taken.Contains)).ToList()))
                .OrderByDescending(n => n.Free.Count).ThenBy(n => n.Node.Id)
                .First();
            if (roomiest.Free.Count >= vcpus)
            {
                return new PinPlan.OneToOne(roomiest.Node.Id, [.. roomiest.Free.Take(vcpus)]);
            }
        }
        // Least loaded: fewest vCPUs the ledger puts there per usable CPU, then the lower id.
        var load = others.GroupBy(o => o.Node).ToDictionary(g => g.Key, g => g.Sum(o => o.Vcpus));
        var least = nodes.OrderBy(n => (double)load.GetValueOrDefault(n.Node.Id) / n.Usable.Sum(c => c.Cpus.Count)).ThenBy(n => n.Node.Id).First();
        return new PinPlan.WholeNode(least.Node.Id, [.. least.Usable.SelectMany(c => c.Cpus).Order()]);
    }
}
