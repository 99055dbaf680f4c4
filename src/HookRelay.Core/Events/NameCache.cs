using System.Text;

namespace HookRelay.Events;

/// <summary>
/// One string per distinct name, per thread: Ganeti's variable names and the keys an event
/// derives from them (hv, be, params) are the same few hundred in every event, and the daemon
/// renders thousands of events a second. Reading them through here allocates each name once per
/// worker thread instead of once per event. Bounded, so a stream of hostile names cannot grow
/// it; past the bound a name is simply allocated.
/// </summary>
internal static class NameCache
{
    private const int MaxNames = 4096;
    private const int MaxLength = 128;

    [ThreadStatic]
    private static Dictionary<string, string>? _names;

    public static string Of(ReadOnlySpan<char> name)
    {
        if (name.Length > MaxLength)
        {
            return name.ToString();
        }
        var names = _names ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (names.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var known))
        {
            return known;
        }
        var text = name.ToString();
        if (names.Count < MaxNames)
        {
            names[text] = text;
        }
        return text;
    }

    /// <summary>A name given as UTF-8 (as a stored record holds it).</summary>
    public static string Of(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }
        Span<char> chars = stackalloc char[MaxLength];
        return Of(chars[..Encoding.UTF8.GetChars(utf8, chars)]);
    }

    /// <summary>The name in lower case (a derived key: "HV_KERNEL_PATH" → "kernel_path").</summary>
    public static string Lower(ReadOnlySpan<char> name)
    {
        if (name.Length > MaxLength)
        {
            return name.ToString().ToLowerInvariant();
        }
        Span<char> lower = stackalloc char[name.Length];
        name.ToLowerInvariant(lower);
        return Of(lower);
    }
}
