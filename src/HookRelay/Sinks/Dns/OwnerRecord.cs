namespace HookRelay.Sinks.Dns;

/// <summary>
/// How HookRelay knows a name is its own (the registry external-dns keeps in TXT records): beside
/// every name it writes, a TXT record at <c>_hookrelay.NAME</c> that says which HookRelay
/// (<see cref="Owner"/>, the cluster's name unless configured) wrote it for which instance. A name
/// without one, or with another owner's, is never changed or deleted: it is a conflict to report.
/// The record sits under its own label so it never mixes with a TXT an operator keeps at the name.
/// </summary>
public sealed record OwnerRecord(string Owner, string Instance)
{
    public const string Label = "_hookrelay";
    private const string Heritage = "heritage=hookrelay";

    public static string NameFor(string name) => $"{Label}.{name}";

    public string Text => $"{Heritage},owner={Owner},instance={Instance}";

    /// <summary>The owner record at <paramref name="zone"/>'s sets for <paramref name="name"/>, if one is there and readable.</summary>
    public static OwnerRecord? At(ZoneContents zone, string name) =>
        zone.Find(NameFor(name), DnsTypes.Txt)?.Values.Select(Parse).OfType<OwnerRecord>().FirstOrDefault();

    public static OwnerRecord? Parse(string text)
    {
        var fields = text.Split(',');
        if (fields.Length < 3 || fields[0] != Heritage)
        {
            return null;
        }
        string? Field(string key) => fields.Skip(1).FirstOrDefault(f => f.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];
        return Field("owner") is { Length: > 0 } owner && Field("instance") is { Length: > 0 } instance ? new OwnerRecord(owner, instance) : null;
    }

    public RecordSet AsSet(string name, int ttl) => new(NameFor(name), DnsTypes.Txt, ttl, [Text]);
}
