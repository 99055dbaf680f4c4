using System.CommandLine;
using System.Text.Json;
using HookRelay.Actions;
using HookRelay.Actions.Shaping;

namespace HookRelay.Cli;

/// <summary>`hookrelay shape status|reconcile`: the shaping action's work on this node, as the kernel has it, and its repair.</summary>
public static class ShapeCommand
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    public static Command Create(Option<string> configOption)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var status = new Command("status", "Each shaped instance's taps with their rates and the kernel's counters, checked against the kernel") { json };
        status.SetAction((result, token) => StatusAsync(result.GetValue(configOption)!, result.GetValue(json), Console.Out, token));
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan, change nothing" };
        var reconcileJson = new Option<bool>("--json") { Description = "Print the plan as JSON" };
        var reconcile = new Command("reconcile", "Shape every kvm instance running on this node, and remove HookRelay's shaping of any other (at boot, after a crash); a second run changes nothing")
        {
            dryRun, reconcileJson,
        };
        reconcile.SetAction((result, token) => ReconcileAsync(result.GetValue(configOption)!, result.GetValue(dryRun), result.GetValue(reconcileJson), Console.Out, token));
        return new Command("shape", "Traffic shaping on this node (the shaping action)") { status, reconcile };
    }

    /// <summary>The node's shaping setup from the configuration, or null with the reason on stderr.</summary>
    private static Shaper? ShaperOf(string configPath, out string stateDir)
    {
        stateDir = "";
        if (ConfigOption.LoadOrReport(configPath, Console.Error) is not { } config)
        {
            return null;
        }
        stateDir = config.StateDir;
        if (config.Actions.FirstOrDefault(a => a.Name == ShapingAction.Declaration.Name) is not { } action)
        {
            Console.Error.WriteLine($"hookrelay: shape: {configPath} has no actions.shaping (device: the uplink to shape on)");
            return null;
        }
        try
        {
            var type = ShapingAction.Declaration;
            return new Shaper(ShapingAction.SetupOf(type.SettingsOf(type.LaneOf(action))), new NodeTool());
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"hookrelay: shape: {e.Message}");
            return null;
        }
    }

    public static async Task<int> ReconcileAsync(string configPath, bool dryRun, bool asJson, TextWriter output, CancellationToken token)
    {
        if (ShaperOf(configPath, out var stateDir) is not { } shaper)
        {
            return ExitCodes.Failed;
        }
        ShapingResult result;
        try
        {
            using var ledger = ShapingLedger.Open(stateDir, LockWait);
            result = await shaper.ReconcileAsync(ledger, dryRun, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NodeToolException or TimeoutException)
        {
            Console.Error.WriteLine($"hookrelay: shape reconcile: {e.Message}");
            return ExitCodes.Failed;
        }
        if (asJson)
        {
            OutboxCli.WriteJson(writer =>
            {
                writer.WriteStartObject();
                writer.WriteBoolean("dry_run", dryRun);
                OutboxCli.WriteStrings(writer, "changes", result.Plan.Steps.Select(s => s.Says));
                OutboxCli.WriteStrings(writer, "conflicts", result.Plan.Conflicts);
                OutboxCli.WriteStrings(writer, "notes", result.Notes);
                writer.WriteEndObject();
            });
        }
        else
        {
            output.WriteLine(result.Plan.Empty
                ? "nothing to change: the kernel already shapes what runs here"
                : $"{(dryRun ? "would change" : "changed")} ({result.Plan.Steps.Count}):");
            foreach (var step in result.Plan.Steps)
            {
                output.WriteLine($"  {step.Says}");
            }
            foreach (var conflict in result.Plan.Conflicts)
            {
                output.WriteLine($"  not shaped: {conflict}");
            }
            foreach (var note in result.Notes)
            {
                output.WriteLine($"  note: {note}");
            }
        }
        return result.Plan.Conflicts.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    public static async Task<int> StatusAsync(string configPath, bool asJson, TextWriter output, CancellationToken token)
    {
        if (ShaperOf(configPath, out var stateDir) is not { } shaper)
        {
            return ExitCodes.Failed;
        }
        var setup = shaper.Setup;
        var ledger = ShapingLedger.Peek(stateDir);
        UplinkState uplink;
        var tables = new List<NftTable>();
        var taps = new Dictionary<string, TapState>(StringComparer.Ordinal);
        try
        {
            uplink = await shaper.Kernel.UplinkAsync(token).ConfigureAwait(false);
            foreach (var family in ShapingSetup.Families)
            {
                tables.Add(await shaper.Kernel.TableAsync(family, token).ConfigureAwait(false));
            }
            foreach (var tap in ledger.Values.SelectMany(i => i.Taps))
            {
                taps[tap.Tap] = await shaper.Kernel.TapAsync(tap.Tap, token).ConfigureAwait(false);
            }
        }
        catch (NodeToolException e)
        {
            Console.Error.WriteLine($"hookrelay: shape status: {e.Message}");
            return ExitCodes.Failed;
        }
        var rows = ledger.Values.OrderBy(i => i.Instance, StringComparer.Ordinal)
            .SelectMany(i => i.Taps.Select(t => Row(setup, i.Instance, t, uplink, tables, taps[t.Tap]))).ToList();
        var unshaped = GanetiNics.Instances(setup.NicDir).Where(name => !ledger.ContainsKey(name)).ToList();
        if (asJson)
        {
            OutboxCli.WriteJson(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("uplink", setup.Uplink);
                writer.WriteStartArray("taps");
                foreach (var row in rows)
                {
                    row.Write(writer);
                }
                writer.WriteEndArray();
                OutboxCli.WriteStrings(writer, "running_unshaped", unshaped);
                writer.WriteEndObject();
            });
            return ExitCodes.Ok;
        }
        output.WriteLine(rows.Count == 0
            ? $"nothing shaped on this node ({Path.Combine(stateDir, ShapingLedger.FileName)})"
            : $"shaped on this node (outbound on {setup.Uplink}, inbound on each tap):");
        foreach (var row in rows)
        {
            output.WriteLine($"  {row.Instance}  nic{row.Nic} {row.Tap}  out {Rate.Format(row.Egress)}{(row.Class is null ? "" : $" [{row.Class}] sent {row.OutBytes} B, {row.OutDropped} dropped")}"
                + $"  in {Rate.Format(row.Ingress)}{(row.Ingress is null ? "" : $" sent {row.InBytes} B, {row.InDropped} dropped")}  {row.Check}");
        }
        foreach (var name in unshaped)
        {
            output.WriteLine($"  {name}  running here, not shaped ('hookrelay shape reconcile' shapes it)");
        }
        return ExitCodes.Ok;
    }

    private sealed record StatusRow(string Instance, int Nic, string Tap, ulong? Egress, ulong? Ingress, string? Class,
        ulong OutBytes, ulong OutDropped, ulong InBytes, ulong InDropped, string Check)
    {
        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("instance", Instance);
            writer.WriteNumber("nic", Nic);
            writer.WriteString("tap", Tap);
            writer.WriteString("egress", Rate.Format(Egress));
            writer.WriteString("ingress", Rate.Format(Ingress));
            if (Class is not null)
            {
                writer.WriteString("class", Class);
            }
            writer.WriteNumber("out_bytes", OutBytes);
            writer.WriteNumber("out_dropped", OutDropped);
            writer.WriteNumber("in_bytes", InBytes);
            writer.WriteNumber("in_dropped", InDropped);
            writer.WriteString("check", Check);
            writer.WriteEndObject();
        }
    }

    /// <summary>A shaped tap with the kernel's counters, and whether what the ledger says still holds there.</summary>
    private static StatusRow Row(ShapingSetup setup, string instance, ShapedTap tap, UplinkState uplink, IReadOnlyList<NftTable> tables, TapState state)
    {
        var classId = tap.Egress is null ? null : ClassIds.Format(setup.Major, tap.Minor);
        var outbound = tap.Egress is null ? null : uplink.Classes.GetValueOrDefault(tap.Minor);
        var problems = new List<string>();
        if (!state.Exists)
        {
            problems.Add("tap gone");
        }
        if (tap.Egress is not null && outbound is null)
        {
            problems.Add($"class {classId} missing on {setup.Uplink}");
        }
        if (tap.Egress is not null && tables.Any(t => !t.Elements.TryGetValue(tap.Tap, out var value) || value != classId))
        {
            problems.Add("not classified by nftables");
        }
        if (tap.Ingress is not null && state.Exists && state.Class is null)
        {
            problems.Add("inbound limit missing");
        }
        return new StatusRow(instance, tap.Index, tap.Tap, tap.Egress, tap.Ingress, classId, outbound?.SentBytes ?? 0, outbound?.Dropped ?? 0,
            state.Class is null ? 0 : state.Root!.Bytes, state.Class is null ? 0 : state.Root!.Drops,
            problems.Count == 0 ? "ok" : $"{string.Join(", ", problems)} ('hookrelay shape reconcile' repairs it)");
    }
}
