using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace HookRelay.Events;

/// <summary>
/// A read-only string map kept in one array sorted by ordinal key: Ganeti's variables of a hook
/// run and the maps an event derives from them (params, be, hv, a device's extra fields). It
/// enumerates and serializes in key order, as the event's JSON, the opkey and the golden files
/// need, and looks up by binary search. Why not SortedDictionary: the daemon builds one per
/// delivered event, and a red-black tree of 156 entries cost a fifth of its CPU (perf); an array
/// filled in order and sorted once, if at all, costs a fraction, and a prefix is one contiguous
/// range (<see cref="RangeOf"/>) instead of a scan of every variable.
/// </summary>
[JsonConverter(typeof(OrdinalDictionaryJsonConverter))]
[CollectionBuilder(typeof(OrdinalDictionary), nameof(Create))]
public sealed class OrdinalDictionary : IReadOnlyDictionary<string, string>
{
    public static readonly OrdinalDictionary Empty = new([]);

    private readonly KeyValuePair<string, string>[] _entries;

    private OrdinalDictionary(KeyValuePair<string, string>[] sortedDistinct) => _entries = sortedDistinct;

    /// <summary>From pairs in any order; of a repeated key the last one wins, as in a dictionary.</summary>
    public static OrdinalDictionary From(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        if (pairs is OrdinalDictionary map)
        {
            return map;
        }
        var builder = new Builder(pairs.TryGetNonEnumeratedCount(out var count) ? count : 16);
        foreach (var pair in pairs)
        {
            builder.Add(pair.Key, pair.Value);
        }
        return builder.Build();
    }

    /// <summary>For collection expressions: <c>[]</c>, <c>[KeyValuePair.Create("a", "b")]</c>.</summary>
    public static OrdinalDictionary Create(ReadOnlySpan<KeyValuePair<string, string>> pairs)
    {
        var builder = new Builder(pairs.Length);
        foreach (var pair in pairs)
        {
            builder.Add(pair.Key, pair.Value);
        }
        return builder.Build();
    }

    public static implicit operator OrdinalDictionary(SortedDictionary<string, string> dictionary) => From(dictionary);

    public static implicit operator OrdinalDictionary(Dictionary<string, string> dictionary) => From(dictionary);

    /// <summary>
    /// The JSON object this map was read from, when it holds exactly these entries in key order: a
    /// stored hook record's variables, which the hook wrote with the encoder events are written
    /// with (<see cref="JsonOnlyEncoder"/>). Written as it stands instead of encoded again, which
    /// was most of the cost of writing an event in the daemon. Null for a map made any other way.
    /// </summary>
    public ReadOnlyMemory<byte>? Json { get; private init; }

    /// <summary>
    /// These variables' opkey when it was worked out as they were read (<see cref="OpKey.Accumulator"/>),
    /// which <see cref="OpKey.Compute"/> then returns. Null otherwise.
    /// </summary>
    public string? KnownOpKey { get; private init; }

    public int Count => _entries.Length;

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no '{key}' in the dictionary");

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public IEnumerable<string> Values => _entries.Select(e => e.Value);

    /// <summary>The entry at <paramref name="index"/> in key order.</summary>
    public KeyValuePair<string, string> At(int index) => _entries[index];

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? _entries[index].Value : null;
        return index >= 0;
    }

    /// <summary>The position of <paramref name="key"/>, or the bitwise complement of where it would go.</summary>
    public int IndexOf(string key)
    {
        int low = 0, high = _entries.Length - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var order = string.CompareOrdinal(_entries[middle].Key, key);
            if (order == 0)
            {
                return middle;
            }
            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return ~low;
    }

    /// <summary>The positions of every key starting with <paramref name="prefix"/>: sorted keys share a prefix in one run.</summary>
    public Range RangeOf(string prefix)
    {
        var start = IndexOf(prefix);
        start = start < 0 ? ~start : start;
        var end = start;
        while (end < _entries.Length && _entries[end].Key.StartsWith(prefix, StringComparison.Ordinal))
        {
            end++;
        }
        return start..end;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Collects entries and sorts them once at the end, only if they did not come in order (a
    /// stored record's variables always do).
    /// </summary>
    public sealed class Builder(int capacity = 16)
    {
        private readonly List<KeyValuePair<string, string>> _entries = new(capacity);
        private bool _inOrder = true;

        public int Count => _entries.Count;

        public void Add(string key, string value)
        {
            if (_inOrder && _entries.Count > 0 && string.CompareOrdinal(_entries[^1].Key, key) >= 0)
            {
                _inOrder = false;
            }
            _entries.Add(KeyValuePair.Create(key, value));
        }

        /// <summary>The map.</summary>
        /// <param name="json">
        /// The JSON object the entries were read from, one string each: kept as the map's
        /// <see cref="Json"/> when they came in order, each key once, since then the object is the map.
        /// </param>
        /// <param name="opKey">The entries' opkey in the order they came: kept as <see cref="KnownOpKey"/> on the same terms.</param>
        public OrdinalDictionary Build(ReadOnlyMemory<byte>? json = null, string? opKey = null)
        {
            if (_entries.Count == 0)
            {
                return Empty;
            }
            if (_inOrder)
            {
                return new OrdinalDictionary([.. _entries]) { Json = json, KnownOpKey = opKey };
            }
            // Ties broken by position: of a repeated key's entries, the one added last ends last and wins.
            var order = new int[_entries.Count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }
            Array.Sort(order, (a, b) => string.CompareOrdinal(_entries[a].Key, _entries[b].Key) is var byKey and not 0 ? byKey : a.CompareTo(b));
            var distinct = new List<KeyValuePair<string, string>>(order.Length);
            foreach (var entry in order.Select(i => _entries[i]))
            {
                if (distinct.Count > 0 && distinct[^1].Key == entry.Key)
                {
                    distinct[^1] = entry;
                }
                else
                {
                    distinct.Add(entry);
                }
            }
            return new OrdinalDictionary([.. distinct]);
        }
    }
}

/// <summary>A JSON object in key order. Events are written, never read back as typed objects (receivers and commands read the JSON).</summary>
public sealed class OrdinalDictionaryJsonConverter : JsonConverter<OrdinalDictionary>
{
    public override OrdinalDictionary Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("HookRelay writes events; it does not read them back into typed objects");

    public override void Write(Utf8JsonWriter writer, OrdinalDictionary value, JsonSerializerOptions options)
    {
        if (value.Json is { } json)
        {
            writer.WriteRawValue(json.Span, skipInputValidation: true);
            return;
        }
        writer.WriteStartObject();
        foreach (var (key, text) in value)
        {
            writer.WriteString(key, text);
        }
        writer.WriteEndObject();
    }
}
