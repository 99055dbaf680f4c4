using HookRelay.Events;
using HookRelay.Outbox;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Outbox;

/// <summary>Reading stored records one after another, as the daemon does: each reads back exactly as it was written, whatever the one before it named.</summary>
public class HookRecordTests
{
    [Fact]
    public void Records_of_different_operations_read_in_turn_keep_their_own_variable_names()
    {
        var records = Fixtures.CaptureNames().Take(30)
            .Select(capture => HookRecord.For(HookEventParser.Parse(Fixtures.Env(capture), Fixtures.Node(capture)), Fixtures.Node(capture), DateTimeOffset.UnixEpoch))
            .ToList();
        // A name one byte longer, one shorter, one renamed in place, and more names than the reader remembers.
        var first = records[0].Variables;
        records.Add(records[0] with { Variables = OrdinalDictionary.From(first.Select(v => KeyValuePair.Create(v.Key + "X", v.Value)).ToList()) });
        records.Add(records[0] with { Variables = OrdinalDictionary.From(first.Select(v => KeyValuePair.Create(v.Key[..^1], v.Value)).ToList()) });
        records.Add(records[0] with { Variables = OrdinalDictionary.From(Enumerable.Range(0, 700).Select(i => KeyValuePair.Create($"GANETI_V{i:D4}", $"{i}")).ToList()) });
        foreach (var record in records.Concat(records).Concat(Enumerable.Reverse(records)))
        {
            var read = HookRecord.Parse(record.ToJsonUtf8());
            Assert.Equal(record.Variables, read.Variables);
        }
    }

    [Fact]
    public void A_record_read_back_hashes_to_the_opkey_its_variables_give()
    {
        var hostile = new[] { "say \"hi\"", "back\\slash", "line\nbreak\ttab", "caf\u00e9 \u65e5\u672c \ud83d\ude80", "", "\u0001", "</script>&+" };
        var hashedAsRead = 0;
        foreach (var capture in Fixtures.CaptureNames())
        {
            var env = Fixtures.Env(capture);
            foreach (var extra in hostile.Select((value, i) => (Name: $"GANETI_ZZ_HOSTILE_{i}", Value: value)).Prepend(default))
            {
                var vars = extra.Name is null ? env : OrdinalDictionary.From(env.Append(KeyValuePair.Create(extra.Name, extra.Value)).ToList());
                var record = new HookRecord("id-1", DateTimeOffset.UnixEpoch, "node1", vars);
                var read = HookRecord.Parse(record.ToJsonUtf8()).Variables;
                // Made anew from the pairs, the map carries no key worked out while reading.
                var expected = OpKey.Compute(OrdinalDictionary.From(read.ToList()));
                Assert.Equal(expected, OpKey.Compute(read));
                Assert.Equal(expected, OpKey.Compute(vars));
                hashedAsRead += read.KnownOpKey is null ? 0 : 1;
            }
        }
        // Every capture, and every hostile value JSON writes unescaped, was hashed as it was read.
        Assert.True(hashedAsRead >= Fixtures.CaptureNames().Count() * 3, $"{hashedAsRead} records hashed as read");
    }

    [Fact]
    public void A_record_with_a_null_variable_hashes_it_as_empty()
    {
        var json = """{"v":1,"id":"x","time_ticks":0,"node":"n","vars":{"GANETI_A":null,"GANETI_B":"b"}}"""u8.ToArray();
        var read = HookRecord.Parse(json).Variables;
        Assert.Equal(OpKey.Compute([KeyValuePair.Create("GANETI_A", ""), KeyValuePair.Create("GANETI_B", "b")]), OpKey.Compute(read));
    }

    [Fact]
    public void A_record_with_bytes_that_are_not_utf8_hashes_what_was_read()
    {
        // A short value is read without an error, its bad byte as U+FFFD: the opkey is that string's.
        var json = "{\"v\":1,\"id\":\"x\",\"time_ticks\":0,\"node\":\"n\",\"vars\":{\"GANETI_A\":\"a\",\"GANETI_B\":\"b?\"}}"u8.ToArray();
        json[Array.LastIndexOf(json, (byte)'?')] = 0xC3;
        var read = HookRecord.Parse(json).Variables;
        Assert.Equal("b\uFFFD", read["GANETI_B"]);
        Assert.Equal(OpKey.Compute(OrdinalDictionary.From(read.ToList())), OpKey.Compute(read));
    }
}
