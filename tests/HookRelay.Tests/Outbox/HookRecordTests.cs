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
}
