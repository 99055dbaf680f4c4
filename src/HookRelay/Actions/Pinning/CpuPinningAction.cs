using System.ComponentModel;
using System.Globalization;
using HookRelay.Actions.Qemu;
using HookRelay.Sinks;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;

namespace HookRelay.Actions.Pinning;

/// <summary>
/// Pins a kvm instance's vCPU threads where it now runs (after add, start, reboot, migrate,
/// failover, modify, on the primary), NUMA-aware (<see cref="PinPlanner"/>), and gives its CPUs
/// back in the ledger where it stopped, was removed, or moved away from. vCPU threads come from
/// QEMU's query-cpus-fast; each is pinned with sched_setaffinity and read back. Ganeti's own
/// cpu_mask, when set, wins: HookRelay leaves such an instance alone.
/// </summary>
public sealed class CpuPinningAction(string controlDir, TimeSpan timeout, string mode, IReadOnlySet<int> reserved, string stateDir, string sysfsRoot = "/sys")
    : INodeAction
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static readonly ActionType Declaration = new("cpu_pinning",
    [
        SinkKey.Choice("mode", "numa-1to1 (default): each vCPU on a physical core of its own, all on one NUMA node, while there are free cores; "
            + "else, and with spread, the instance on the CPUs of its least-loaded NUMA node.", "numa-1to1", "spread"),
        new SinkKey("reserve_cpus", KeyShape.WholeNumberList, "CPUs never pinned to: the host's own (default none).") { Minimum = 0 },
        SinkKey.Text("control_dir", $"Where Ganeti's kvm hypervisor keeps each instance's QMP socket (default {DiskResizeAction.DefaultControlDir})."),
        SinkKey.Duration("timeout", "Longest QEMU may take to answer one run (default 10s)."),
    ], Create);

    public string Name => Declaration.Name;

    private static CpuPinningAction Create(SinkSettings settings, ActionHost host) => new(
        settings.Text("control_dir") ?? DiskResizeAction.DefaultControlDir,
        settings.Duration("timeout", DefaultTimeout),
        settings.Text("mode") ?? "numa-1to1",
        settings.WholeNumbers("reserve_cpus").ToHashSet(),
        host.StateDir);

    public async ValueTask<ActionOutcome> RunAsync(EventView trigger, CancellationToken cancellationToken)
    {
        var env = new TriggerVariables(trigger);
        if (env["INSTANCE_NAME"] is not { } instance)
        {
            return new ActionOutcome.Failed("the event does not name the instance (GANETI_INSTANCE_NAME)", Retry: false);
        }
        if (!InstancePlacement.RunsHere(trigger))
        {
            return Release(instance, trigger.Hook);
        }
        if (env["INSTANCE_HV_cpu_mask"] is { Length: > 0 } mask && mask != "all")
        {
            Release(instance, trigger.Hook);
            return new ActionOutcome.Skipped($"Ganeti's cpu_mask ({mask}) pins {instance}; HookRelay leaves it to Ganeti");
        }
        if (InstancePlacement.UnlessKvm(env, instance, "has vCPU threads to pin") is { } notKvm)
        {
            return notKvm;
        }
        return await QmpCall.RunAsync(controlDir, instance, timeout,
            async (qmp, token) => Pin(instance, await VcpuThreadsAsync(qmp, token).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
    }

    private ActionOutcome Pin(string instance, List<(int Vcpu, int ThreadId)> threads)
    {
        using var ledger = PinLedger.Open(stateDir, timeout);
        ledger.Instances.Remove(instance);
        var plan = PinPlanner.Plan(NumaTopology.Read(sysfsRoot), reserved, ledger.Instances.Values, threads.Count, mode);
        if (plan is PinPlan.None none)
        {
            ledger.Save();
            return new ActionOutcome.Skipped($"{instance} left unpinned: {none.Why}");
        }
        var pinned = threads.Select((t, i) => new PinnedThread(t.Vcpu, t.ThreadId, plan switch
        {
            PinPlan.OneToOne one => one.Cores[i].Cpus,
            PinPlan.WholeNode node => node.Cpus,
            _ => [],
        })).ToList();
        try
        {
            foreach (var thread in pinned)
            {
                Affinity.Set(thread.ThreadId, thread.Cpus);
            }
            if (pinned.FirstOrDefault(t => !Affinity.Get(t.ThreadId).SetEquals(t.Cpus)) is { } wrong)
            {
                return new ActionOutcome.Failed($"vCPU {wrong.Vcpu} of {instance} (thread {wrong.ThreadId}) does not read back as pinned to {CpuList.Format(wrong.Cpus)}", Retry: true);
            }
        }
        catch (Win32Exception e)
        {
            // A thread that vanished: QEMU stopped or restarted under us; the next run sees the new threads.
            return new ActionOutcome.Failed($"{instance}: {e.Message}", Retry: true);
        }
        var (kind, node) = plan switch
        {
            PinPlan.OneToOne one => (PinnedInstance.OneToOne, one.Node),
            PinPlan.WholeNode whole => (PinnedInstance.WholeNode, whole.Node),
            _ => ("", 0),
        };
        ledger.Instances[instance] = new PinnedInstance(instance, kind, node, pinned.Count, [.. pinned.SelectMany(t => t.Cpus).Distinct().Order()], pinned, DateTimeOffset.UtcNow);
        ledger.Save();
        var map = string.Join(", ", pinned.Select(t => string.Create(CultureInfo.InvariantCulture, $"vCPU {t.Vcpu}→{CpuList.Format(t.Cpus)}")));
        return new ActionOutcome.Done(kind == PinnedInstance.OneToOne
            ? $"{instance}: {pinned.Count} vCPUs pinned one to a core on NUMA node {node}: {map}"
            : $"{instance}: {pinned.Count} vCPUs pinned to NUMA node {node}'s CPUs {CpuList.Format(pinned[0].Cpus)}{(mode == "spread" ? "" : " (too few free cores for one each)")}");
    }

    private ActionOutcome Release(string instance, string hook)
    {
        using var ledger = PinLedger.Open(stateDir, timeout);
        if (!ledger.Instances.Remove(instance, out var held))
        {
            return new ActionOutcome.Skipped($"nothing pinned for {instance} on this node to give back after {hook}");
        }
        ledger.Save();
        return new ActionOutcome.Done($"{instance}: CPUs {CpuList.Format(held.Cpus)} given back after {hook}");
    }

    /// <summary>Each vCPU's host thread, by QEMU's query-cpus-fast.</summary>
    internal static async Task<List<(int Vcpu, int ThreadId)>> VcpuThreadsAsync(QmpClient qmp, CancellationToken cancellationToken)
    {
        var cpus = await qmp.ExecuteAsync("query-cpus-fast", null, cancellationToken).ConfigureAwait(false);
        return [.. cpus.EnumerateArray().Select(c => (c.GetProperty("cpu-index").GetInt32(), c.GetProperty("thread-id").GetInt32())).OrderBy(c => c.Item1)];
    }
}
