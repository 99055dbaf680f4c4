using System.Text.Json.Nodes;
using HookRelay.Sinks;
using HookRelay.Sinks.Declaration;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Declaration;

/// <summary>
/// The published schema's sink definition is generated from the sink types' declarations; the
/// hook and editors read the file, so it must be exactly what the declarations say.
/// UPDATE_GOLDEN=1 writes it (never under CI).
/// </summary>
public class SinkSchemaTests
{
    [Fact]
    public void Published_sink_definition_is_the_one_the_declarations_generate()
    {
        var generated = SinkSchema.Definition(SinkTypes.All, SinkTypes.Planned);
        if (Regenerate.Golden)
        {
            PublishedSchema.Rewrite("sink", generated);
            return;
        }
        var current = PublishedSchema.Read()["$defs"]!["sink"]!;
        var differing = SinkTypes.All.Select((type, i) => (type.Name, Published: current["allOf"]![i], Generated: generated["allOf"]![i]))
            .Where(b => !JsonNode.DeepEquals(b.Published, b.Generated))
            .Select(b => $"{b.Name}: generated {b.Generated!.ToJsonString()}")
            .ToList();
        Assert.True(differing.Count == 0 && JsonNode.DeepEquals(current, generated),
            "schema/hookrelay.schema.json differs from the sink declarations (UPDATE_GOLDEN=1 rewrites it): " + string.Join("; ", differing));
    }

    [Fact]
    public void Published_jobs_definition_is_the_one_its_declarations_generate()
    {
        var generated = HookRelay.Jobs.JobsKeys.Definition();
        if (Regenerate.Golden)
        {
            PublishedSchema.Rewrite("jobs", generated);
            return;
        }
        var current = PublishedSchema.Read()["$defs"]!["jobs"];
        Assert.True(JsonNode.DeepEquals(current, generated),
            $"schema/hookrelay.schema.json's $defs.jobs differs from JobsKeys (UPDATE_GOLDEN=1 rewrites it): generated {generated.ToJsonString()}");
    }

    [Fact]
    public void Every_sink_type_takes_the_delivery_settings_once()
    {
        foreach (var type in SinkTypes.All)
        {
            var names = type.Keys.Select(k => k.Name).ToList();
            Assert.Equal(names.Distinct(StringComparer.Ordinal), names);
            Assert.Contains("backoff", names);
            Assert.Contains("max_attempts", names);
        }
    }

    [Fact]
    public void Slack_declares_its_one_message_a_second_and_says_so()
    {
        var rate = ChatSink.Slack.Keys.Single(k => k.Name == "rate_per_s");

        Assert.Equal(1, ChatSink.Slack.DefaultRatePerSecond);
        Assert.Contains("default 1: Slack's limit per webhook", rate.Description, StringComparison.Ordinal);
    }
}
