using System.Text.Json;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Outbox;

namespace HookRelay.Tests.Sinks.Messages;

public class TemplateTests
{
    private static JsonElement Event(Action<SortedDictionary<string, string>>? change = null)
    {
        var (record, _) = OutboxTestData.Record();
        var variables = new SortedDictionary<string, string>(record.Variables.ToDictionary(), StringComparer.Ordinal);
        change?.Invoke(variables);
        record = record with { Variables = variables };
        using var document = JsonDocument.Parse(record.ToCloudEvent().ToJsonUtf8());
        return document.RootElement.Clone();
    }

    private static string Render(string text, JsonElement ev, TextFormat format = TextFormat.Plain) =>
        Template.Parse(text).Render(new EventView(ev), format);

    [Theory]
    [InlineData("{{ data.instance.name }} moved", "web-1.lab.example moved")]
    [InlineData("{{data.migrate.old_primary}} → {{ data.migrate.new_primary }}", "node1.lab.example → node2.lab.example")]
    [InlineData("{{ type }}", "org.ganeti.instance-migrate.post")]
    [InlineData("{{ data.instance.disks.1.size_mib }} MiB", "2048 MiB")]
    [InlineData("{{ data.migrate.live }}", "true")]
    [InlineData("tags: {{ data.instance.tags }}", "tags: env:prod, web")]
    [InlineData("[{{ data.no.such.path }}]", "[]")]
    [InlineData("{{ data.instance.disks.9.size_mib }}", "")]
    [InlineData("literal {{{{ braces", "literal {{ braces")]
    [InlineData("no holes at all", "no holes at all")]
    [InlineData("*{{ instance.name }}* to {{ migrate.new_primary }} on {{ cluster }}", "*web-1.lab.example* to node2.lab.example on cluster.lab.example")]
    [InlineData("{{ subject }} / {{ data.subject }}", "web-1.lab.example / ")]
    [InlineData("{{ message }}!", "web-1.lab.example live-migrated node1.lab.example → node2.lab.example on cluster cluster.lab.example!")]
    [InlineData("took [{{ duration }}]", "took []")]
    public void Paths_walk_the_event(string text, string expected) => Assert.Equal(expected, Render(text, Event()));

    [Theory]
    [InlineData("{{ data.instance.name", "never closed")]
    [InlineData("{{ }}", "not a path")]
    [InlineData("{{ data..name }}", "not a path")]
    [InlineData("{{ data.instance name }}", "not a path")]
    public void Broken_templates_are_refused_saying_where(string text, string problem)
    {
        Assert.False(Template.TryParse(text, out _, out var message));
        Assert.Contains(problem, message, StringComparison.Ordinal);
        Assert.Contains("character 1", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("quote\" backslash\\ newline\n tab\t")]
    [InlineData("}\", \"injected\": \"yes")]
    [InlineData("名前 `code` *bold* <b>")]
    public void Hostile_values_stay_inside_their_json_string(string hostile)
    {
        var ev = Event(vars => vars["GANETI_INSTANCE_NAME"] = hostile);
        var body = Render("{\"text\": \"{{ data.instance.name }} moved\", \"n\": 1}", ev, TextFormat.JsonString);
        using var document = JsonDocument.Parse(body);
        Assert.Equal(hostile + " moved", document.RootElement.GetProperty("text").GetString());
        Assert.Equal(2, document.RootElement.EnumerateObject().Count());
    }

    [Fact]
    public void A_megabyte_value_renders_whole_and_valid()
    {
        var big = new string('x', 1_000_000);
        var ev = Event(vars => vars["GANETI_INSTANCE_NAME"] = big);
        using var document = JsonDocument.Parse(Render("{\"t\": \"{{ data.instance.name }}\"}", ev, TextFormat.JsonString));
        Assert.Equal(big, document.RootElement.GetProperty("t").GetString());
    }
}
