using System.Text;

namespace HookRelay.Sinks.Dns;

public enum ChangeKind
{
    Create,
    Update,
    Delete,
    /// <summary>Records already as wanted, written by someone else: only HookRelay's owner record is added.</summary>
    Adopt,
}

/// <summary>One write of a plan, for which instance, and what the set held before.</summary>
public sealed record PlannedChange(ChangeKind Kind, string Instance, RecordChange Change, RecordSet? Before);

/// <summary>A name HookRelay wanted but may not touch, and why.</summary>
public sealed record DnsConflict(string Instance, string Name, string Reason)
{
    public override string ToString() => $"{Name} ({Instance}): {Reason}";
}

/// <summary>What must change in the zones, and what must not be changed although it differs.</summary>
public sealed record DnsPlan(IReadOnlyList<PlannedChange> Changes, IReadOnlyList<DnsConflict> Conflicts, IReadOnlyList<string> Problems)
{
    public bool IsEmpty => Changes.Count == 0;

    /// <summary>How many writes of each kind: "2 create, 1 update, 2 delete".</summary>
    public string Counts => string.Join(", ", Enum.GetValues<ChangeKind>().Select(k => (Kind: k, Count: Changes.Count(c => c.Kind == k))).Where(x => x.Count > 0)
        .Select(x => $"{x.Count} {x.Kind.ToString().ToLowerInvariant()}"));

    /// <summary>What the plan could not do, one phrase each: the conflicts, then the problems.</summary>
    public IReadOnlyList<string> Refusals => [.. Conflicts.Select(c => $"conflict at {c}").Concat(Problems)];

    /// <summary>The writes grouped by the zone each name belongs to, in plan order.</summary>
    public IEnumerable<(string Zone, IReadOnlyList<RecordChange> Changes)> ByZone(IReadOnlyList<string> zones) =>
        Changes.GroupBy(c => DnsNames.ZoneOf(c.Change.Key.Name, zones) ?? "")
            .Where(g => g.Key.Length > 0)
            .Select(g => (g.Key, (IReadOnlyList<RecordChange>)[.. g.Select(c => c.Change)]));

    /// <summary>One line per change ("+ name ttl type values"), conflicts and problems after; "nothing to change" when empty.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var change in Changes)
        {
            text.Append(change.Change switch
            {
                RecordChange.Replace { Set: var set } when change.Kind == ChangeKind.Adopt => $"= {set} (adopted for {change.Instance})",
                RecordChange.Replace { Set: var set } when change.Before is { } before => $"~ {set} (was {string.Join(" ", before.Values)}; {change.Instance})",
                RecordChange.Replace { Set: var set } => $"+ {set} ({change.Instance})",
                RecordChange.Delete { Deleted: var key } => $"- {change.Before?.ToString() ?? key.ToString()} ({change.Instance})",
                _ => "",
            }).Append('\n');
        }
        foreach (var conflict in Conflicts)
        {
            text.Append("! conflict: ").Append(conflict).Append('\n');
        }
        foreach (var problem in Problems)
        {
            text.Append("! ").Append(problem).Append('\n');
        }
        return text.Length == 0 ? "nothing to change\n" : text.ToString();
    }
}
