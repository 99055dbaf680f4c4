using System.Text.Json;
using HookRelay.Events;

namespace HookRelay.Tests.Events;

public class OrdinalDictionaryTests
{
    private static OrdinalDictionary Of(params (string Key, string Value)[] pairs) =>
        OrdinalDictionary.From(pairs.Select(p => KeyValuePair.Create(p.Key, p.Value)));

    [Fact]
    public void Enumerates_in_ordinal_key_order_whatever_order_the_pairs_came_in()
    {
        var map = Of(("b", "2"), ("B", "1"), ("a_", "4"), ("ab", "5"), ("_", "3"));
        Assert.Equal(["B", "_", "a_", "ab", "b"], map.Keys);
        Assert.Equal(["1", "3", "4", "5", "2"], map.Values);
    }

    [Fact]
    public void Of_a_repeated_key_the_last_pair_wins_as_in_a_dictionary()
    {
        var map = Of(("x", "first"), ("a", "1"), ("x", "second"), ("x", "last"));
        Assert.Equal(2, map.Count);
        Assert.Equal("last", map["x"]);
    }

    [Fact]
    public void Looks_up_present_and_absent_keys()
    {
        var map = Of(("GANETI_A", "1"), ("GANETI_C", "3"));
        Assert.True(map.TryGetValue("GANETI_C", out var value));
        Assert.Equal("3", value);
        Assert.False(map.ContainsKey("GANETI_B"));
        Assert.Equal(~1, map.IndexOf("GANETI_B"));
        Assert.Throws<KeyNotFoundException>(() => map["GANETI_B"]);
        Assert.False(OrdinalDictionary.Empty.ContainsKey(""));
    }

    [Fact]
    public void A_prefix_is_one_contiguous_range()
    {
        var map = Of(("GANETI_INSTANCE_NAME", "web-1"), ("GANETI_INSTANCE_NIC0_MAC", "aa"), ("GANETI_INSTANCE", "x"),
            ("GANETI_INSTANCEX", "y"), ("GANETI_OP_CODE", "z"), ("GANETI_HOOKS_PATH", "p"));
        var (start, length) = map.RangeOf("GANETI_INSTANCE_").GetOffsetAndLength(map.Count);
        Assert.Equal(["GANETI_INSTANCE_NAME", "GANETI_INSTANCE_NIC0_MAC"], Enumerable.Range(start, length).Select(i => map.At(i).Key));
        Assert.Equal(0, map.RangeOf("GANETI_NOPE_").GetOffsetAndLength(map.Count).Length);
        Assert.Equal(map.Count, map.RangeOf("").GetOffsetAndLength(map.Count).Length);
    }

    [Fact]
    public void Equals_the_sorted_dictionary_it_replaces_entry_for_entry()
    {
        var random = new Random(7);
        var pairs = Enumerable.Range(0, 500).Select(_ => KeyValuePair.Create($"GANETI_{random.Next(300)}_{(char)('A' + random.Next(26))}", random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            sorted[key] = value;
        }
        Assert.Equal(sorted, OrdinalDictionary.From(pairs));
        Assert.Equal(sorted, (OrdinalDictionary)sorted);
    }

    [Fact]
    public void Writes_a_json_object_in_key_order()
    {
        OrdinalDictionary map = [KeyValuePair.Create("z", "last"), KeyValuePair.Create("a", "quote \" and é")];
        var json = JsonSerializer.Serialize(map, EventJsonContext.Default.OrdinalDictionary);
        Assert.Equal("""{"a":"quote \u0022 and \u00E9","z":"last"}""", json);
    }
}
