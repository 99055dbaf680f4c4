namespace HookRelay.Sinks.Dns;

/// <summary>
/// One RRset as HookRelay manages it: an absolute lower-case name, a type (A, AAAA, PTR or TXT),
/// a TTL and the values in presentation form (addresses as servers print them, PTR targets
/// absolute, TXT values as their text without quotes), sorted so two sets compare by value.
/// </summary>
public sealed record RecordSet
{
    public RecordSet(string name, string type, int ttl, IEnumerable<string> values)
    {
        Name = name;
        Type = type;
        Ttl = ttl;
        Values = [.. values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public string Name { get; }

    public string Type { get; }

    public int Ttl { get; }

    public IReadOnlyList<string> Values { get; }

    public RecordKey Key => new(Name, Type);

    public bool SameAs(RecordSet other) => Ttl == other.Ttl && Values.SequenceEqual(other.Values, StringComparer.Ordinal);

    public override string ToString() => $"{Name} {Ttl} {Type} {string.Join(" ", Values.Select(v => Type == DnsTypes.Txt ? $"\"{v}\"" : v))}";
}

public readonly record struct RecordKey(string Name, string Type)
{
    public override string ToString() => $"{Name} {Type}";
}

public static class DnsTypes
{
    public const string A = "A";
    public const string Aaaa = "AAAA";
    public const string PtrType = "PTR";
    public const string Txt = "TXT";

    /// <summary>The types that carry an instance's addresses; TXT only ever holds ownership.</summary>
    public static IReadOnlyList<string> Addressing { get; } = [A, Aaaa, PtrType];

    public static IReadOnlyList<string> Managed { get; } = [A, Aaaa, PtrType, Txt];
}

/// <summary>A write to a zone: an RRset replaced by the given one, or deleted.</summary>
public abstract record RecordChange(RecordKey Key)
{
    public sealed record Replace(RecordSet Set) : RecordChange(Set.Key);

    public sealed record Delete(RecordKey Deleted) : RecordChange(Deleted);
}

/// <summary>What a zone holds at some names: the sets HookRelay reads before it writes.</summary>
public sealed class ZoneContents
{
    private readonly Dictionary<RecordKey, RecordSet> _sets = [];

    public ZoneContents(IEnumerable<RecordSet> sets)
    {
        foreach (var set in sets)
        {
            _sets[set.Key] = set;
        }
    }

    public RecordSet? Find(string name, string type) => _sets.GetValueOrDefault(new RecordKey(name, type));

    public IEnumerable<RecordSet> All => _sets.Values;

    /// <summary>The A, AAAA and PTR sets at a name: what HookRelay writes there (a TXT at the name is never its).</summary>
    public IEnumerable<RecordSet> AddressingAt(string name) => DnsTypes.Addressing.Select(type => Find(name, type)).OfType<RecordSet>();
}
