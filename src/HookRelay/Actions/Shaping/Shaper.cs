namespace HookRelay.Actions.Shaping;

/// <summary>What a shaping run planned (and, unless dry, did), with what the operator should know beside it.</summary>
public sealed record ShapingResult(ShapingPlan Plan, IReadOnlyList<DesiredTap> Desired, IReadOnlyList<ReleasedTap> Released, IReadOnlyList<string> Notes);

/// <summary>
/// Shapes one instance (the action) or the whole node (the reconcile) the same way: desired
/// taps and their class ids from the ledger and Ganeti's NIC files, the kernel read, a plan
/// made, applied in two batches (tc, then nft), and the ledger updated. The caller holds the
/// ledger's lock for all of it, so two runs never plan against each other's half-made state.
/// </summary>
public sealed class Shaper(ShapingSetup setup, NodeTool tool)
{
    private readonly KernelShaping _kernel = new(tool, setup);

    public ShapingSetup Setup => setup;

    public KernelShaping Kernel => _kernel;

    /// <summary>Shapes <paramref name="instance"/>'s NICs as now found here, or, with null <paramref name="nics"/>, removes its shaping.</summary>
    public async Task<ShapingResult> ApplyAsync(ShapingLedger ledger, string instance, IReadOnlyList<GanetiNics.Nic>? nics, IReadOnlyList<string> tags, bool dryRun, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var desired = nics is null ? [] : Desire(ledger, instance, nics, tags, notes);
        var released = ledger.Instances.TryGetValue(instance, out var held)
            ? held.Taps.Where(t => desired.All(d => d.Tap != t.Tap)).Select(t => new ReleasedTap(instance, t)).ToList()
            : [];
        var result = await PlanAsync(desired, released, sweep: false, notes, cancellationToken).ConfigureAwait(false);
        if (!dryRun)
        {
            await ApplyAsync(result.Plan, cancellationToken).ConfigureAwait(false);
            Record(ledger, instance, desired, tags);
            ledger.Save();
        }
        return result;
    }

    /// <summary>The whole node: every kvm instance Ganeti runs here shaped by its recorded tags (or the defaults), everything else of HookRelay's removed.</summary>
    public async Task<ShapingResult> ReconcileAsync(ShapingLedger ledger, bool dryRun, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var desired = new List<DesiredTap>();
        var running = GanetiNics.Instances(setup.NicDir);
        foreach (var instance in running)
        {
            var tags = ledger.Instances.TryGetValue(instance, out var held) ? held.Tags : [];
            if (held is null)
            {
                notes.Add($"{instance}: not in the ledger, shaped by the configured defaults (its tags reach HookRelay with its next start, migration or modify)");
            }
            desired.AddRange(Desire(ledger, instance, GanetiNics.Of(setup.NicDir, instance) ?? [], tags, notes, desired));
        }
        var taps = await TapsAsync(desired.Select(d => d.Tap), cancellationToken).ConfigureAwait(false);
        foreach (var stale in desired.Where(d => !taps[d.Tap].Exists).ToList())
        {
            notes.Add($"{stale.Instance} nic{stale.Index}: {stale.Tap} is listed in {setup.NicDir} but does not exist (a stale file: the instance is not running)");
            desired.Remove(stale);
        }
        var released = ledger.Instances.Values.SelectMany(i => i.Taps.Select(t => new ReleasedTap(i.Instance, t)))
            .Where(r => !desired.Any(d => d.Instance == r.Instance && d.Tap == r.Tap.Tap)).ToList();
        var result = await PlanAsync(desired, released, sweep: true, notes, cancellationToken, taps).ConfigureAwait(false);
        if (!dryRun)
        {
            await ApplyAsync(result.Plan, cancellationToken).ConfigureAwait(false);
            var shaped = desired.Select(d => d.Instance).ToHashSet(StringComparer.Ordinal);
            foreach (var instance in ledger.Instances.Keys.Where(i => !shaped.Contains(i)).ToList())
            {
                ledger.Instances.Remove(instance);
            }
            foreach (var group in desired.GroupBy(d => d.Instance, StringComparer.Ordinal))
            {
                Record(ledger, group.Key, [.. group], ledger.Instances.TryGetValue(group.Key, out var held) ? held.Tags : []);
            }
            ledger.Save();
        }
        return result;
    }

    /// <summary>Each NIC's tap, its class minor (the ledger's, else derived; collisions said) and its rates.</summary>
    private List<DesiredTap> Desire(ShapingLedger ledger, string instance, IReadOnlyList<GanetiNics.Nic> nics, IReadOnlyList<string> tags, List<string> notes, IReadOnlyList<DesiredTap>? alsoDesired = null)
    {
        var owners = ledger.TapOwners();
        // Minors held by other taps: the ledger's (except taps this run gives to this instance) and this run's own.
        var ours = nics.Select(n => n.Tap).ToHashSet(StringComparer.Ordinal);
        var taken = new Dictionary<int, string>();
        foreach (var tap in ledger.Instances.Values.SelectMany(i => i.Taps).Where(t => !ours.Contains(t.Tap)))
        {
            taken[tap.Minor] = tap.Tap;
        }
        foreach (var tap in alsoDesired ?? [])
        {
            taken[tap.Minor] = tap.Tap;
        }
        var known = ledger.Instances.Values.SelectMany(i => i.Taps).GroupBy(t => t.Tap, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Minor, StringComparer.Ordinal);
        var desired = new List<DesiredTap>();
        foreach (var nic in nics)
        {
            if (owners.TryGetValue(nic.Tap, out var owner) && owner != instance)
            {
                notes.Add($"{nic.Tap} was {owner}'s: Ganeti gave the tap to {instance}");
            }
            string? collided = null;
            var minor = known.TryGetValue(nic.Tap, out var kept) && !taken.ContainsKey(kept) ? kept : ClassIds.Minor(nic.Tap, taken, out collided);
            if (collided is not null)
            {
                notes.Add($"{nic.Tap}'s class id collides with {collided}'s: {nic.Tap} got {ClassIds.Format(setup.Major, minor)}");
            }
            taken[minor] = nic.Tap;
            desired.Add(new DesiredTap(instance, nic.Index, nic.Tap, minor, RateTags.For(nic.Index, tags, setup.Defaults, notes)));
        }
        return desired;
    }

    /// <param name="known">Taps already read from the kernel in this run: not read again.</param>
    private async Task<ShapingResult> PlanAsync(List<DesiredTap> desired, List<ReleasedTap> released, bool sweep, List<string> notes, CancellationToken cancellationToken,
        Dictionary<string, TapState>? known = null)
    {
        var uplink = await _kernel.UplinkAsync(cancellationToken).ConfigureAwait(false);
        var tables = new List<NftTable>();
        foreach (var family in ShapingSetup.Families)
        {
            tables.Add(await _kernel.TableAsync(family, cancellationToken).ConfigureAwait(false));
        }
        var taps = known ?? [];
        foreach (var (name, state) in await TapsAsync(desired.Select(d => d.Tap).Concat(released.Select(r => r.Tap.Tap)).Where(t => !taps.ContainsKey(t)), cancellationToken)
            .ConfigureAwait(false))
        {
            taps[name] = state;
        }
        var plan = ShapingPlanner.Plan(setup, new KernelView(uplink, tables, taps), desired, released, sweep);
        return new ShapingResult(plan, desired, released, notes);
    }

    private async Task<Dictionary<string, TapState>> TapsAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var taps = new Dictionary<string, TapState>(StringComparer.Ordinal);
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            taps[name] = await _kernel.TapAsync(name, cancellationToken).ConfigureAwait(false);
        }
        return taps;
    }

    /// <summary>tc first (classes exist before packets are steered into them), then nft; each tool once.</summary>
    private async Task ApplyAsync(ShapingPlan plan, CancellationToken cancellationToken)
    {
        if (plan.Steps.SelectMany(s => s.Tc).ToList() is { Count: > 0 } tc)
        {
            await tool.RequireAsync(["tc", "-batch", "-"], string.Join('\n', tc) + "\n", cancellationToken).ConfigureAwait(false);
        }
        if (plan.Steps.SelectMany(s => s.Nft).ToList() is { Count: > 0 } nft)
        {
            await tool.RequireAsync(["nft", "-f", "-"], string.Join('\n', nft) + "\n", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The ledger after a run: the instances' taps as shaped now, taps Ganeti handed to another instance taken from the old one. The caller saves it.</summary>
    private static void Record(ShapingLedger ledger, string instance, IReadOnlyList<DesiredTap> desired, IReadOnlyList<string> tags)
    {
        var taps = desired.Select(d => d.Tap).ToHashSet(StringComparer.Ordinal);
        foreach (var other in ledger.Instances.Values.Where(i => i.Instance != instance && i.Taps.Any(t => taps.Contains(t.Tap))).ToList())
        {
            ledger.Instances[other.Instance] = other with { Taps = [.. other.Taps.Where(t => !taps.Contains(t.Tap))] };
        }
        var mine = desired.Select(d => new ShapedTap(d.Index, d.Tap, d.Minor, d.Rates.Egress, d.Rates.Ingress)).ToList();
        if (mine.Count == 0)
        {
            ledger.Instances.Remove(instance);
            return;
        }
        var since = ledger.Instances.TryGetValue(instance, out var held) && held.Taps.SequenceEqual(mine) ? held.Since : DateTimeOffset.UtcNow;
        ledger.Instances[instance] = new ShapedInstance(instance, RateTags.Shaping(tags), mine, since);
    }
}
