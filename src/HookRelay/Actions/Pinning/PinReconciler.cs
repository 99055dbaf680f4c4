using System.ComponentModel;

namespace HookRelay.Actions.Pinning;

/// <summary>
/// What the running QEMUs' vCPU threads are really pinned to, against the ledger: `pin status`
/// shows the difference, `pin reconcile` makes the ledger say what is true (after a crash, a
/// restore of the state directory, or a QEMU restarted by hand).
/// </summary>
public static class PinReconciler
{
    /// <summary>One instance as found: its vCPU threads with their real affinity; null threads when its QEMU did not answer.</summary>
    public sealed record Found(string Instance, IReadOnlyList<PinnedThread>? Threads, string? Problem);

    /// <summary>Every QEMU with a QMP socket in <paramref name="controlDir"/>, asked for its vCPU threads, each thread's affinity read.</summary>
    public static async Task<List<Found>> ScanAsync(string controlDir, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var found = new List<Found>();
        if (!Directory.Exists(controlDir))
        {
            return found;
        }
        foreach (var socket in Directory.GetFiles(controlDir, "*.qmp").Order(StringComparer.Ordinal))
        {
            var instance = Path.GetFileNameWithoutExtension(socket);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await using var qmp = await Qemu.QmpClient.ConnectAsync(socket, deadline.Token).ConfigureAwait(false);
                var threads = await CpuPinningAction.VcpuThreadsAsync(qmp, deadline.Token).ConfigureAwait(false);
                found.Add(new Found(instance, [.. threads.Select(t => new PinnedThread(t.Vcpu, t.ThreadId, [.. Affinity.Get(t.ThreadId)]))], null));
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException or Qemu.QmpException or Win32Exception)
            {
                found.Add(new Found(instance, null, e is OperationCanceledException ? $"QEMU did not answer within {timeout.TotalSeconds:0} s" : e.Message));
            }
        }
        return found;
    }

    /// <summary>
    /// The ledger entry the threads' real affinity amounts to: one core each (distinct sets within
    /// one NUMA node), one node's set for all, or null when they are not pinned (every online CPU).
    /// </summary>
    public static PinnedInstance? Entry(string instance, IReadOnlyList<PinnedThread> threads, NumaTopology topology)
    {
        var online = topology.Nodes.SelectMany(n => n.Cpus).ToHashSet();
        if (threads.Count == 0 || threads.All(t => online.IsSubsetOf(t.Cpus)))
        {
            return null;
        }
        var cpus = threads.SelectMany(t => t.Cpus).Distinct().Order().ToList();
        var node = topology.Nodes.FirstOrDefault(n => cpus.All(n.Cpus.Contains))?.Id ?? -1;
        var distinct = threads.Select(t => CpuList.Format(t.Cpus)).Distinct().Count() == threads.Count
            && threads.SelectMany(t => t.Cpus).Count() == cpus.Count;
        return new PinnedInstance(instance, distinct && threads.Count > 1 ? PinnedInstance.OneToOne : PinnedInstance.WholeNode, node, threads.Count, cpus, threads, DateTimeOffset.UtcNow);
    }
}
