namespace HookRelay.Sinks.Dns;

/// <summary>
/// Desired records against what the zones hold → the writes that make them agree, like
/// external-dns's plan. Only names whose owner record is this HookRelay's are changed or deleted;
/// a name that holds records someone else wrote is a conflict, unless those records are exactly
/// what is wanted (then HookRelay adopts the name by adding its owner record, changing nothing
/// anyone resolves).
/// </summary>
/// <param name="owner">This HookRelay's owner id (the cluster's name unless configured).</param>
public sealed class DnsPlanner(string owner)
{
    /// <param name="desired">The records each instance of the plan should have (none for one removed).</param>
    /// <param name="scope">
    /// The instances whose records this plan decides: names they own and no longer want are
    /// deleted, and another of them may take a name over. An event's plan holds its instance (and
    /// the old name of a rename); a reconcile's, every instance of the cluster and every owner
    /// record found.
    /// </param>
    /// <param name="current">What the zones hold at (at least) every name the scope owns or wants.</param>
    public DnsPlan Plan(IReadOnlyList<InstanceRecords> desired, IReadOnlySet<string> scope, ZoneContents current)
    {
        var changes = new List<PlannedChange>();
        var conflicts = new List<DnsConflict>();
        var claimed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instance in desired)
        {
            foreach (var (name, (sets, ownerSet)) in instance.ByName)
            {
                if (claimed.TryGetValue(name, out var first))
                {
                    conflicts.Add(new DnsConflict(instance.Instance, name, $"also wanted by {first}; left to {first}"));
                    continue;
                }
                claimed[name] = instance.Instance;
                Converge(instance.Instance, name, sets, ownerSet, scope, current, changes, conflicts);
            }
        }
        foreach (var set in current.All.Where(s => s.Type == DnsTypes.Txt && s.Name.StartsWith(OwnerRecord.Label + ".", StringComparison.Ordinal)))
        {
            var name = set.Name[(OwnerRecord.Label.Length + 1)..];
            if (claimed.ContainsKey(name) || OwnerRecord.At(current, name) is not { } tag || tag.Owner != owner || !scope.Contains(tag.Instance))
            {
                continue;
            }
            foreach (var stale in current.AddressingAt(name).Append(set))
            {
                changes.Add(new PlannedChange(ChangeKind.Delete, tag.Instance, new RecordChange.Delete(stale.Key), stale));
            }
        }
        return new DnsPlan(changes, conflicts, [.. desired.SelectMany(d => d.Problems.Select(p => $"{d.Instance}: {p}"))]);
    }

    private void Converge(string instance, string name, IReadOnlyList<RecordSet> sets, RecordSet ownerSet, IReadOnlySet<string> scope, ZoneContents current,
        List<PlannedChange> changes, List<DnsConflict> conflicts)
    {
        var existing = current.AddressingAt(name).ToList();
        var tag = OwnerRecord.At(current, name);
        var ours = tag is not null && tag.Owner == owner && (tag.Instance == instance || scope.Contains(tag.Instance));
        if (!ours)
        {
            if (tag is not null && tag.Owner != owner)
            {
                conflicts.Add(new DnsConflict(instance, name, $"owned by another HookRelay ({tag.Owner}, instance {tag.Instance})"));
                return;
            }
            if (tag is not null)
            {
                conflicts.Add(new DnsConflict(instance, name, $"owned by instance {tag.Instance}"));
                return;
            }
            if (existing.Count > 0)
            {
                var same = existing.Count == sets.Count && existing.All(e => sets.Any(s => s.Key == e.Key && s.Values.SequenceEqual(e.Values, StringComparer.Ordinal)));
                if (!same)
                {
                    conflicts.Add(new DnsConflict(instance, name, $"holds records HookRelay did not write ({string.Join("; ", existing)}); left as they are"));
                    return;
                }
                changes.Add(new PlannedChange(ChangeKind.Adopt, instance, new RecordChange.Replace(ownerSet), current.Find(ownerSet.Name, DnsTypes.Txt)));
                foreach (var set in sets.Where(s => !s.SameAs(existing.First(e => e.Key == s.Key))))
                {
                    changes.Add(new PlannedChange(ChangeKind.Update, instance, new RecordChange.Replace(set), existing.First(e => e.Key == set.Key)));
                }
                return;
            }
        }
        // The owner record goes first: a write cut short leaves a name HookRelay owns, never records nobody owns.
        var ownerBefore = current.Find(ownerSet.Name, DnsTypes.Txt);
        if (ownerBefore is null || !ownerBefore.SameAs(ownerSet))
        {
            changes.Add(new PlannedChange(ownerBefore is null ? ChangeKind.Create : ChangeKind.Update, instance, new RecordChange.Replace(ownerSet), ownerBefore));
        }
        foreach (var set in sets)
        {
            var before = current.Find(set.Name, set.Type);
            if (before is null || !before.SameAs(set))
            {
                changes.Add(new PlannedChange(before is null ? ChangeKind.Create : ChangeKind.Update, instance, new RecordChange.Replace(set), before));
            }
        }
        foreach (var gone in existing.Where(e => sets.All(s => s.Key != e.Key)))
        {
            changes.Add(new PlannedChange(ChangeKind.Delete, instance, new RecordChange.Delete(gone.Key), gone));
        }
    }
}
