using System.Text.Json;
using HookRelay.Events;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Events;

public class CloudEventTests
{
    [Fact]
    public void Only_a_test_sample_carries_the_test_attribute()
    {
        var ev = HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), "node1.lab.example");
        using var real = System.Text.Json.JsonDocument.Parse(CloudEvent.For(ev, DateTimeOffset.UtcNow).ToJsonUtf8());
        using var sample = System.Text.Json.JsonDocument.Parse((CloudEvent.For(ev, DateTimeOffset.UtcNow) with { Test = true }).ToJsonUtf8());

        Assert.False(real.RootElement.TryGetProperty(CloudEvent.TestAttribute, out _));
        Assert.Equal("true", sample.RootElement.GetProperty(CloudEvent.TestAttribute).GetString());
    }

    [Fact]
    public void Every_node_s_copy_of_one_operation_has_the_same_opkey_and_its_own_id()
    {
        var node1 = CloudEvent.For(HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), "node1.lab.example"), DateTimeOffset.UtcNow);
        var node2 = CloudEvent.For(HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node2-01"), "node2.lab.example"), DateTimeOffset.UtcNow);
        Assert.Equal(node1.OpKey, node2.OpKey);
        Assert.NotEqual(node1.Id, node2.Id);
        Assert.Matches("^[0-9a-f]{32}$", node1.OpKey);
    }

    [Fact]
    public void Different_operations_have_different_opkeys()
    {
        var keys = Fixtures.CaptureNames()
            .Select(c => OpKey.Compute(HookEventParser.Parse(Fixtures.Env(c), "n").Env))
            .Distinct(StringComparer.Ordinal)
            .Count();
        // The captures hold pairs from two nodes of one operation; each operation's pair shares a key.
        Assert.True(keys > 60, $"only {keys} distinct opkeys");
        var pre = HookEventParser.Parse(Fixtures.Env("instance-migrate-pre-node1-01"), "n");
        var post = HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), "n");
        Assert.NotEqual(OpKey.Compute(pre.Env), OpKey.Compute(post.Env));
    }

    /// <summary>
    /// The opkey's definition, which receivers deduplicate by across nodes and HookRelay versions:
    /// XxHash128 of every variable in key order as UTF-8 name, 0, value, 0, in lower-case hex.
    /// </summary>
    [Theory]
    [MemberData(nameof(Captures))]
    public void Opkey_is_xxhash128_of_the_sorted_variables_each_followed_by_a_zero(string capture)
    {
        var env = HookEventParser.Parse(Fixtures.Env(capture), "n").Env;
        var bytes = env.SelectMany(v => System.Text.Encoding.UTF8.GetBytes(v.Key).Append((byte)0).Concat(System.Text.Encoding.UTF8.GetBytes(v.Value)).Append((byte)0)).ToArray();
        Assert.Equal(Convert.ToHexStringLower(System.IO.Hashing.XxHash128.Hash(bytes)), OpKey.Compute(env));
    }

    public static TheoryData<string> Captures() => Fixtures.Captures();

    [Fact]
    public void Opkey_of_a_capture_is_the_one_every_release_computed()
    {
        var big = OrdinalDictionary.From(Enumerable.Range(0, 40).Select(i => KeyValuePair.Create($"GANETI_BIG{i}", new string((char)('a' + i % 26), 1000 + i))).ToList());
        Assert.Equal("9f7ad3f4875b2db34defa1601369f3c9", OpKey.Compute(HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), "n").Env));
        Assert.Equal("837dc62b042a0ae41019aa977b3d2373", OpKey.Compute(big));
    }

    [Fact]
    public void Opkey_does_not_confuse_where_one_variable_ends_and_the_next_begins()
    {
        var a = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["GANETI_A"] = "x", ["GANETI_B"] = "y" };
        var b = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["GANETI_A"] = "xGANETI_B", ["GANETI_B"] = "y" };
        Assert.NotEqual(OpKey.Compute(a), OpKey.Compute(b));
    }

    [Fact]
    public void Structured_document_has_the_cloudevents_attributes()
    {
        var ev = HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), "node1.lab.example");
        var time = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
        using var doc = JsonDocument.Parse(CloudEvent.For(ev, time).ToJsonUtf8());
        var root = doc.RootElement;
        Assert.Equal("1.0", root.GetProperty("specversion").GetString());
        Assert.Equal("org.ganeti.instance-migrate.post", root.GetProperty("type").GetString());
        Assert.Equal("ganeti://cluster.lab.example", root.GetProperty("source").GetString());
        Assert.Equal("web-1.lab.example", root.GetProperty("subject").GetString());
        Assert.Equal("2026-11-24T12:00:00.0000000Z", root.GetProperty("time").GetString());
        Assert.Equal("application/json", root.GetProperty("datacontenttype").GetString());
        Assert.True(Guid.TryParse(root.GetProperty("id").GetString(), out var id));
        Assert.Equal(7, id.Version);
        var data = root.GetProperty("data");
        Assert.Equal("node2.lab.example", data.GetProperty("migrate").GetProperty("new_primary").GetString());
        Assert.True(data.GetProperty("migrate").GetProperty("live").GetBoolean());
    }
}
