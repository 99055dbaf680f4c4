using System.Globalization;
using HookRelay.Sinks;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;

namespace HookRelay.Actions.Shaping;

/// <summary>
/// Shapes a kvm instance's traffic where it runs (after add, start, reboot, migrate, failover,
/// modify, on the primary), for that instance's taps only, and removes exactly that where it
/// stopped, was removed or left. Outbound: one HTB class per tap under HookRelay's root on the
/// uplink, the tap's packets steered into it by HookRelay's own nftables table (the fw
/// classifier the seed script relied on is missing from current kernels, and a u32 mark match
/// silently matches everything). Inbound: an HTB on the tap itself, whose transmit side leads
/// into the instance, so it needs no ifb, mirred or police action (none of which this kind of
/// kernel has) and queues rather than drops.
/// </summary>
public sealed class ShapingAction(Shaper shaper, string stateDir, TimeSpan lockWait) : INodeAction
{
    public static readonly ActionType Declaration = new("shaping",
    [
        SinkKey.Text("device", "The uplink whose outbound traffic is shaped (the bond or NIC under the bridge, not the bridge): HookRelay's HTB root goes there.") with { Required = true },
        SinkKey.Text("default_egress", "Outbound rate of a NIC whose instance has no hookrelay:egress tag (unlimited when left out): 600mbit.") with { Pattern = Rate.Pattern },
        SinkKey.Text("default_ingress", "Inbound rate (towards the instance) of a NIC without a hookrelay:ingress tag (unlimited when left out).") with { Pattern = Rate.Pattern },
        SinkKey.Text("handle", $"The handle major (hex) of every qdisc HookRelay makes, its mark of ownership (default {ShapingSetup.DefaultMajor:x}).") with { Pattern = "^[0-9a-f]{1,4}$" },
        SinkKey.Text("nic_dir", $"Where Ganeti's kvm hypervisor records each running instance's taps (default {GanetiNics.DefaultDir})."),
        SinkKey.Duration("timeout", "Longest one tc or nft call may take (default 10s)."),
    ], Create);

    public string Name => Declaration.Name;

    private static ShapingAction Create(SinkSettings settings, ActionHost host) =>
        new(new Shaper(SetupOf(settings), new NodeTool(timeout: settings.Duration("timeout", TimeSpan.FromSeconds(10)))), host.StateDir, TimeSpan.FromSeconds(30));

    /// <summary>The node's shaping as configured; what `hookrelay shape` reads too.</summary>
    public static ShapingSetup SetupOf(SinkSettings settings)
    {
        ulong? RateOf(string key) =>
            settings.Text(key) is not { } text ? null
            : Rate.TryParse(text, out var rate, out var error) ? rate
            : throw new InvalidOperationException($"{settings.Subject}: {key}: {error}");
        var major = settings.Text("handle") is { } hex ? int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture) : ShapingSetup.DefaultMajor;
        if (major is 0 or 0xffff)
        {
            throw new InvalidOperationException($"{settings.Subject}: handle {major:x} is reserved by the kernel; pick another");
        }
        return new ShapingSetup(settings.Required("device"), major, new NicRates(RateOf("default_egress"), RateOf("default_ingress")),
            settings.Text("nic_dir") ?? GanetiNics.DefaultDir);
    }

    public async ValueTask<ActionOutcome> RunAsync(EventView trigger, CancellationToken cancellationToken)
    {
        var env = new TriggerVariables(trigger);
        if (env["INSTANCE_NAME"] is not { } instance)
        {
            return new ActionOutcome.Failed("the event does not name the instance (GANETI_INSTANCE_NAME)", Retry: false);
        }
        var runsHere = InstancePlacement.RunsHere(trigger);
        if (runsHere && InstancePlacement.UnlessKvm(env, instance, "gives its NICs taps to shape") is { } notKvm)
        {
            return notKvm;
        }
        var nics = runsHere ? GanetiNics.Of(shaper.Setup.NicDir, instance) : null;
        try
        {
            using var ledger = ShapingLedger.Open(stateDir, lockWait);
            var result = await shaper.ApplyAsync(ledger, instance, nics, InstancePlacement.Tags(env), dryRun: false, cancellationToken).ConfigureAwait(false);
            return Outcome(instance, trigger.Hook, runsHere, nics, result);
        }
        catch (Exception e) when (e is NodeToolException or TimeoutException)
        {
            // A tap that vanished mid-run, a kernel busy: the next attempt plans afresh from what is there.
            return new ActionOutcome.Failed($"{instance}: {e.Message}", Retry: true);
        }
    }

    private ActionOutcome Outcome(string instance, string hook, bool runsHere, IReadOnlyList<GanetiNics.Nic>? nics, ShapingResult result)
    {
        var notes = result.Notes.Count > 0 ? $" ({string.Join("; ", result.Notes)})" : "";
        if (result.Plan.Conflicts.Count > 0)
        {
            var done = result.Plan.Empty ? "" : $"; the rest applied: {string.Join("; ", result.Plan.Steps.Select(s => s.Says))}";
            return new ActionOutcome.Failed($"{instance}: {string.Join("; ", result.Plan.Conflicts)}{done}{notes}", Retry: false);
        }
        if (!runsHere || nics is null)
        {
            var where = runsHere ? $"it has no taps here ({Path.Combine(shaper.Setup.NicDir, instance)} is missing: not running)" : $"after {hook}";
            return result.Released.Count == 0 && result.Plan.Empty
                ? new ActionOutcome.Skipped($"nothing shaped for {instance} on this node to remove {where}")
                : new ActionOutcome.Done($"{instance}: shaping of {string.Join(", ", result.Released.Select(r => r.Tap.Tap))} removed {where}{notes}");
        }
        var shaped = string.Join("; ", result.Desired.Select(d =>
            $"nic{d.Index} {d.Tap} out {Rate.Format(d.Rates.Egress)}{(d.Rates.Egress is null ? "" : $" (class {ClassIds.Format(shaper.Setup.Major, d.Minor)} on {shaper.Setup.Uplink})")}, in {Rate.Format(d.Rates.Ingress)}"));
        if (result.Desired.Count == 0)
        {
            return new ActionOutcome.Skipped($"{instance} has no NICs to shape{notes}");
        }
        var freed = result.Released.Count > 0 ? $"; shaping of {string.Join(", ", result.Released.Select(r => r.Tap.Tap))} removed (a NIC gone)" : "";
        return result.Plan.Empty
            ? new ActionOutcome.Skipped($"{instance} already shaped as configured: {shaped}{notes}")
            : new ActionOutcome.Done($"{instance} shaped: {shaped}{freed}{notes}");
    }
}
