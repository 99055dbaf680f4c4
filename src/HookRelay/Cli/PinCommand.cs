using System.CommandLine;
using System.Text.Json;
using HookRelay.Actions.Pinning;
using HookRelay.Actions.Qemu;
using HookRelay.Rules;

namespace HookRelay.Cli;

/// <summary>`hookrelay pin status|reconcile`: where cpu_pinning put each instance's vCPUs on this node, and whether that still holds.</summary>
public static class PinCommand
{
    private static readonly TimeSpan QmpTimeout = TimeSpan.FromSeconds(5);

    public static Command Create(Option<string> configOption)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var status = new Command("status", "The pinning ledger of this node, each vCPU thread checked against what it is really pinned to") { json };
        status.SetAction((result, token) => StatusAsync(result.GetValue(configOption)!, result.GetValue(json), Console.Out, token));
        var reconcile = new Command("reconcile", "Rebuild the ledger from the running QEMUs' vCPU threads (after a crash or a QEMU restarted by hand)");
        reconcile.SetAction((result, token) => ReconcileAsync(result.GetValue(configOption)!, Console.Out, token));
        return new Command("pin", "vCPU pinning on this node (the cpu_pinning action)") { status, reconcile };
    }

    private static string ControlDir(HookRelayConfig config) =>
        config.Actions.FirstOrDefault(a => a.Name == "cpu_pinning")?.Settings.GetValueOrDefault("control_dir") ?? DiskResizeAction.DefaultControlDir;

    public static async Task<int> StatusAsync(string configPath, bool asJson, TextWriter output, CancellationToken token)
    {
        if (ConfigOption.LoadOrReport(configPath, Console.Error) is not { } config)
        {
            return ExitCodes.Failed;
        }
        var ledger = PinLedger.Peek(config.StateDir);
        var found = (await PinReconciler.ScanAsync(ControlDir(config), QmpTimeout, token).ConfigureAwait(false)).ToDictionary(f => f.Instance, StringComparer.Ordinal);
        string Check(PinnedThread thread, PinReconciler.Found? running) =>
            running?.Threads?.FirstOrDefault(t => t.ThreadId == thread.ThreadId) is not { } now ? "gone (QEMU not running here, or restarted)"
            : now.Cpus.SequenceEqual(thread.Cpus) ? "ok"
            : $"drifted: now {CpuList.Format(now.Cpus)}";
        if (asJson)
        {
            OutboxCli.WriteJson(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("instances");
                foreach (var pinned in ledger.Values.OrderBy(p => p.Instance, StringComparer.Ordinal))
                {
                    writer.WriteStartObject();
                    writer.WriteString("instance", pinned.Instance);
                    writer.WriteString("mode", pinned.Mode);
                    writer.WriteNumber("numa_node", pinned.Node);
                    writer.WriteString("cpus", CpuList.Format(pinned.Cpus));
                    PinLedger.WriteThreads(writer, pinned.Threads, thread => Check(thread, found.GetValueOrDefault(pinned.Instance)));
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteStartArray("running_unpinned");
                foreach (var name in found.Keys.Where(name => !ledger.ContainsKey(name)))
                {
                    writer.WriteStringValue(name);
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            });
            return ExitCodes.Ok;
        }
        output.WriteLine(ledger.Count == 0 ? $"no instance pinned on this node ({Path.Combine(config.StateDir, PinLedger.FileName)})" : $"pinned on this node ({Path.Combine(config.StateDir, PinLedger.FileName)}):");
        foreach (var pinned in ledger.Values.OrderBy(p => p.Instance, StringComparer.Ordinal))
        {
            output.WriteLine($"  {pinned.Instance}  {(pinned.Mode == PinnedInstance.OneToOne ? "one core per vCPU" : "NUMA node's CPUs")}, node {pinned.Node}, CPUs {CpuList.Format(pinned.Cpus)}, since {pinned.Since:yyyy-MM-dd HH:mm:ss}Z");
            foreach (var thread in pinned.Threads)
            {
                output.WriteLine($"    vCPU {thread.Vcpu}  thread {thread.ThreadId}  → {CpuList.Format(thread.Cpus),-8} {Check(thread, found.GetValueOrDefault(pinned.Instance))}");
            }
        }
        foreach (var name in found.Keys.Where(name => !ledger.ContainsKey(name)))
        {
            output.WriteLine($"  {name}  running here, not in the ledger ('hookrelay pin reconcile' records what it is pinned to)");
        }
        return ExitCodes.Ok;
    }

    public static async Task<int> ReconcileAsync(string configPath, TextWriter output, CancellationToken token)
    {
        if (ConfigOption.LoadOrReport(configPath, Console.Error) is not { } config)
        {
            return ExitCodes.Failed;
        }
        var found = await PinReconciler.ScanAsync(ControlDir(config), QmpTimeout, token).ConfigureAwait(false);
        var topology = NumaTopology.Read();
        PinLedger ledger;
        try
        {
            ledger = PinLedger.Open(config.StateDir, QmpTimeout);
        }
        catch (TimeoutException e)
        {
            Console.Error.WriteLine($"hookrelay: pin reconcile: {e.Message}; try again");
            return ExitCodes.Failed;
        }
        using var held = ledger;
        var before = ledger.Instances.Keys.ToHashSet(StringComparer.Ordinal);
        ledger.Instances.Clear();
        foreach (var running in found)
        {
            if (running.Threads is null)
            {
                output.WriteLine($"  {running.Instance}: left out: {running.Problem}");
            }
            else if (PinReconciler.Entry(running.Instance, running.Threads, topology) is { } entry)
            {
                ledger.Instances[running.Instance] = entry;
                output.WriteLine($"  {running.Instance}: pinned to {CpuList.Format(entry.Cpus)} ({(entry.Mode == PinnedInstance.OneToOne ? "one core per vCPU" : "NUMA node's CPUs")})");
            }
            else
            {
                output.WriteLine($"  {running.Instance}: running, not pinned");
            }
        }
        foreach (var gone in before.Where(name => !ledger.Instances.ContainsKey(name)))
        {
            output.WriteLine($"  {gone}: dropped from the ledger (not running here, or not pinned)");
        }
        ledger.Save();
        output.WriteLine($"ledger rebuilt: {ledger.Instances.Count} pinned");
        return ExitCodes.Ok;
    }
}
