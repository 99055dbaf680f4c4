using HookRelay.Events;

namespace HookRelay.Rules;

/// <summary>
/// The names matchers can use on an event, read from the typed event in the hook. The curated
/// names (<see cref="EventFields"/>, listed in docs/matchers.md; templates read the same names)
/// come first; then every GANETI_* variable is available by its lower-cased
/// name without the prefix (GANETI_MIGRATE_LIVE → migrate_live). Python booleans read as
/// "true"/"false" so that migrate_live="true" works as people write it.
/// </summary>
public sealed class EventAttributes : IEventAttributes
{
    public static IReadOnlyCollection<string> CuratedNames { get; } = [.. EventFields.All.Select(f => f.Name)];

    private readonly HookEvent _event;

    public EventAttributes(HookEvent ev) => _event = ev;

    public IReadOnlyList<string> Get(string name)
    {
        if (EventFields.Find(name) is { } field)
        {
            return field.OfEvent(_event);
        }
        return RawValue(_event.Env, name) is { } value ? [value] : [];
    }

    /// <summary>
    /// GANETI_<paramref name="name"/> in any case, as <see cref="BuildRaw"/> would hold it: the
    /// last of the variables that differ only in case. Looked up in place, because a hook run asks
    /// for one or two names and a table of all 150-odd variables cost it more than the lookups.
    /// </summary>
    internal static string? RawValue(OrdinalDictionary env, string name)
    {
        string? found = null;
        var length = HookEventParser.Prefix.Length + name.Length;
        for (var i = 0; i < env.Count; i++)
        {
            var (key, value) = env.At(i);
            if (key.Length == length && key.StartsWith(HookEventParser.Prefix, StringComparison.Ordinal)
                && key.AsSpan(HookEventParser.Prefix.Length).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                found = value;
            }
        }
        return found is null ? null : AsRead(found);
    }

    IReadOnlyList<string> IEventAttributes.ValuesOf(string name) => Get(name);

    /// <summary>Every GANETI_* variable by its name without the prefix, in any case, its value as matchers read it.</summary>
    internal static Dictionary<string, string> BuildRaw(IEnumerable<KeyValuePair<string, string>> env)
    {
        var raw = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in env)
        {
            if (key.StartsWith(HookEventParser.Prefix, StringComparison.Ordinal))
            {
                raw[key[HookEventParser.Prefix.Length..]] = AsRead(value);
            }
        }
        return raw;
    }

    /// <summary>A GANETI_* value as matchers (and templates) read it: Python's True/False as true/false.</summary>
    public static string AsRead(string value) => value switch
    {
        "True" => "true",
        "False" => "false",
        _ => value,
    };

}
