using System.Globalization;

namespace HookRelay.Actions.Shaping;

/// <summary>Works out a <see cref="ShapingPlan"/>: outbound classes on the uplink, classified by nftables; inbound HTB on each tap.</summary>
public static class ShapingPlanner
{
    /// <param name="sweep">A whole-node reconcile: also drop every element and class of HookRelay's that no desired tap holds.</param>
    public static ShapingPlan Plan(ShapingSetup setup, KernelView kernel, IReadOnlyList<DesiredTap> desired, IReadOnlyList<ReleasedTap> released, bool sweep)
    {
        var steps = new List<PlanStep>();
        var conflicts = new List<string>();
        var uplink = kernel.Uplink;
        var mtu = uplink.Mtu ?? 1500;
        var r2q = Htb.R2q(setup.Defaults.Egress ?? 1_000_000_000, mtu);
        var egressMinors = desired.Where(d => d.Rates.Egress is not null).Select(d => d.Minor).ToHashSet();
        var egressReady = EnsureUplink(setup, kernel, desired, r2q, steps, conflicts);
        var removedElements = new HashSet<(string Family, string Tap)>();
        var removedClasses = new HashSet<int>();

        void RemoveElements(string tap, string? onlyValue, string why)
        {
            var lines = kernel.Tables.Where(t => t.Elements.TryGetValue(tap, out var value) && (onlyValue is null || value == onlyValue) && removedElements.Add((t.Family, tap)))
                .Select(t => $"delete element {t.Family} {ShapingSetup.Table} {ShapingSetup.Map} {{ \"{tap}\" }}").ToList();
            if (lines.Count > 0)
            {
                steps.Add(new PlanStep($"{tap}: no longer classified ({why})", [], lines));
            }
        }
        void RemoveClass(int minor, string why)
        {
            if (uplink.Classes.ContainsKey(minor) && !egressMinors.Contains(minor) && removedClasses.Add(minor))
            {
                steps.Add(new PlanStep($"class {ClassIds.Format(setup.Major, minor)} on {setup.Uplink} removed ({why})", [$"class del dev {setup.Uplink} classid {ClassIds.Format(setup.Major, minor)}"], []));
            }
        }

        foreach (var tap in desired)
        {
            var who = $"{tap.Instance} nic{tap.Index} ({tap.Tap})";
            var classId = ClassIds.Format(setup.Major, tap.Minor);
            if (tap.Rates.Egress is { } egress && egressReady)
            {
                if (!uplink.Classes.TryGetValue(tap.Minor, out var now) || !Holds(now, egress, r2q, mtu))
                {
                    steps.Add(new PlanStep($"{who}: outbound {Rate.Format(egress)} in class {classId} on {setup.Uplink}{(now is null ? "" : $" (was {Rate.Format(now.Rate)})")}",
                        [$"class replace dev {setup.Uplink} parent {setup.Handle} classid {classId} {string.Join(' ', Htb.ClassArguments(egress, r2q, mtu))}"], []));
                }
                var lines = new List<string>();
                foreach (var table in kernel.Tables.Where(t => !t.Elements.TryGetValue(tap.Tap, out var value) || value != classId))
                {
                    if (table.Elements.ContainsKey(tap.Tap))
                    {
                        lines.Add($"delete element {table.Family} {ShapingSetup.Table} {ShapingSetup.Map} {{ \"{tap.Tap}\" }}");
                    }
                    lines.Add($"add element {table.Family} {ShapingSetup.Table} {ShapingSetup.Map} {{ \"{tap.Tap}\" : {classId} }}");
                }
                if (lines.Count > 0)
                {
                    steps.Add(new PlanStep($"{who}: its packets classified into {classId}", [], lines));
                }
            }
            else
            {
                RemoveElements(tap.Tap, null, $"{who} is unlimited outbound");
                RemoveClass(tap.Minor, $"{who} is unlimited outbound");
            }
            PlanInbound(setup, kernel.Taps.GetValueOrDefault(tap.Tap), tap, who, steps, conflicts);
        }

        var desiredTaps = desired.Select(d => d.Tap).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in released.Where(r => !desiredTaps.Contains(r.Tap.Tap)))
        {
            var why = $"{gone.Instance} nic{gone.Tap.Index} no longer here";
            RemoveElements(gone.Tap.Tap, ClassIds.Format(setup.Major, gone.Tap.Minor), why);
            RemoveClass(gone.Tap.Minor, why);
            if (kernel.Taps.GetValueOrDefault(gone.Tap.Tap) is { Root: { } root } && Ours(setup, root))
            {
                steps.Add(new PlanStep($"{gone.Tap.Tap}: inbound limit removed ({why})", [$"qdisc del dev {gone.Tap.Tap} root"], []));
            }
        }
        if (sweep)
        {
            foreach (var table in kernel.Tables)
            {
                foreach (var tap in table.Elements.Keys.Where(t => !desired.Any(d => d.Tap == t && d.Rates.Egress is not null)).ToList())
                {
                    RemoveElements(tap, null, "no instance running here has it");
                }
            }
            foreach (var minor in uplink.Classes.Keys.Order().ToList())
            {
                RemoveClass(minor, "no instance running here has it");
            }
        }
        return new ShapingPlan(steps, conflicts);
    }

    /// <summary>HookRelay's HTB root on the uplink and its nftables tables, made where missing; false when outbound cannot be shaped here.</summary>
    private static bool EnsureUplink(ShapingSetup setup, KernelView kernel, IReadOnlyList<DesiredTap> desired, ulong r2q, List<PlanStep> steps, List<string> conflicts)
    {
        if (!desired.Any(d => d.Rates.Egress is not null))
        {
            return false;
        }
        var uplink = kernel.Uplink;
        if (uplink.Mtu is null)
        {
            conflicts.Add($"the uplink {setup.Uplink} does not exist on this node: outbound traffic is not shaped (actions.shaping.device)");
            return false;
        }
        if (uplink.Root is { } root && !Ours(setup, root) && !root.IsDefault)
        {
            conflicts.Add($"{setup.Uplink} has a root qdisc HookRelay did not make ({root.Kind} {root.Handle}): outbound traffic is not shaped; "
                + $"HookRelay never replaces another's qdisc (remove it with 'tc qdisc del dev {setup.Uplink} root' if it is stale)");
            return false;
        }
        if (uplink.Root is null || !Ours(setup, uplink.Root))
        {
            steps.Add(new PlanStep($"HTB root {setup.Handle} on {setup.Uplink} (r2q {r2q.ToString(CultureInfo.InvariantCulture)}; unclassified traffic passes unshaped)",
                [$"qdisc replace dev {setup.Uplink} root handle {setup.Handle} htb r2q {r2q.ToString(CultureInfo.InvariantCulture)}"], []));
        }
        foreach (var table in kernel.Tables.Where(t => !t.Exists || !t.HasRule))
        {
            var prefix = $"{table.Family} {ShapingSetup.Table}";
            steps.Add(new PlanStep($"nftables table {prefix}: sets each shaped tap's packets' priority to its class", [],
            [
                $"add table {prefix}",
                $"add map {prefix} {ShapingSetup.Map} {{ type ifname : classid; }}",
                $"add chain {prefix} forward {{ type filter hook forward priority 0; policy accept; }}",
                $"add rule {prefix} forward meta priority set iifname map @{ShapingSetup.Map}",
            ]));
        }
        return true;
    }

    /// <summary>Inbound (towards the instance) is shaped on its own tap, whose transmit side leads into the instance: an HTB root there, one class.</summary>
    private static void PlanInbound(ShapingSetup setup, TapState? tap, DesiredTap desired, string who, List<PlanStep> steps, List<string> conflicts)
    {
        if (tap?.Root is not { } root)
        {
            conflicts.Add($"{who}: the tap does not exist on this node");
            return;
        }
        var classId = ClassIds.Format(setup.Major, 1);
        if (desired.Rates.Ingress is not { } ingress)
        {
            if (Ours(setup, root))
            {
                steps.Add(new PlanStep($"{who}: inbound unlimited (its limit removed)", [$"qdisc del dev {desired.Tap} root"], []));
            }
            return;
        }
        if (!Ours(setup, root) && !root.IsDefault)
        {
            conflicts.Add($"{who}: the tap has a root qdisc HookRelay did not make ({root.Kind} {root.Handle}): inbound traffic is not shaped");
            return;
        }
        var mtu = 1500;
        var r2q = Htb.R2q(ingress, mtu);
        if (Ours(setup, root) && tap.Class is { } now && Holds(now, ingress, r2q, mtu))
        {
            return;
        }
        var lines = new List<string>();
        if (!Ours(setup, root))
        {
            lines.Add($"qdisc replace dev {desired.Tap} root handle {setup.Handle} htb default 1 r2q {r2q.ToString(CultureInfo.InvariantCulture)}");
        }
        lines.Add($"class replace dev {desired.Tap} parent {setup.Handle} classid {classId} {string.Join(' ', Htb.ClassArguments(ingress, r2q, mtu))}");
        steps.Add(new PlanStep($"{who}: inbound {Rate.Format(ingress)} on {desired.Tap}{(tap.Class is { } was ? $" (was {Rate.Format(was.Rate)})" : "")}", lines, []));
    }

    private static bool Ours(ShapingSetup setup, RootQdisc root) => root.Kind == "htb" && root.Handle == setup.Handle;

    /// <summary>Whether a class already does what is asked: tc prints rates rounded and bursts through the kernel's ticks, hence the tolerance.</summary>
    private static bool Holds(HtbClass now, ulong rate, ulong r2q, int mtu)
    {
        static bool Near(ulong have, ulong want, ulong slack) => (have > want ? have - want : want - have) <= slack;
        var burst = Htb.Burst(rate, mtu);
        return Near(now.Rate, rate, rate / 100) && Near(now.Ceil, rate, rate / 100)
            && Near(now.Burst, burst, Math.Max(burst / 50, 1024)) && now.Quantum == Htb.Quantum(rate, r2q, mtu);
    }
}
