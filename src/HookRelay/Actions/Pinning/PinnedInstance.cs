namespace HookRelay.Actions.Pinning;

/// <summary>What the ledger holds for one instance on this node: where its vCPU threads are pinned.</summary>
/// <param name="Cpus">The CPUs it holds: its cores for one-to-one, its node's set otherwise.</param>
/// <param name="Threads">Each vCPU's host thread id and the CPUs it is pinned to, by vCPU index.</param>
public sealed record PinnedInstance(string Instance, string Mode, int Node, int Vcpus, IReadOnlyList<int> Cpus,
    IReadOnlyList<PinnedThread> Threads, DateTimeOffset Since)
{
    public const string OneToOne = "1to1";
    public const string WholeNode = "node";
}

public sealed record PinnedThread(int Vcpu, int ThreadId, IReadOnlyList<int> Cpus);
