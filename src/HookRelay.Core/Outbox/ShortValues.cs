using System.Text;

namespace HookRelay.Outbox;

/// <summary>
/// One string per distinct short value, per thread: of a stored record's values the short ones
/// repeat from event to event ("True", "kvm", "0", "rw"). A value of up to seven ASCII bytes is
/// its own key, packed with its length into a number, so finding its string costs a lookup and
/// no decoding (the name cache, which decodes to characters and hashes them, cost as much as
/// allocating the string). Bounded, so a stream of distinct values cannot grow it.
/// </summary>
internal static class ShortValues
{
    public const int MaxLength = 7;
    private const int MaxValues = 4096;

    [ThreadStatic]
    private static Dictionary<ulong, string>? _values;

    /// <summary>The string of <paramref name="utf8"/>, which is at most <see cref="MaxLength"/> bytes.</summary>
    public static string Of(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength || !Ascii.IsValid(utf8))
        {
            return Encoding.UTF8.GetString(utf8);
        }
        var key = (ulong)utf8.Length << 56;
        for (var i = 0; i < utf8.Length; i++)
        {
            key |= (ulong)utf8[i] << (8 * i);
        }
        var values = _values ??= [];
        if (values.TryGetValue(key, out var known))
        {
            return known;
        }
        var text = Encoding.ASCII.GetString(utf8);
        if (values.Count < MaxValues)
        {
            values[key] = text;
        }
        return text;
    }
}
