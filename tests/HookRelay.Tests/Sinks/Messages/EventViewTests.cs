using System.Text;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Messages;

/// <summary>
/// An event rendered by HookRelay (data last) is read up to the value a path names, not parsed
/// whole: every answer must be the one a parsed document gives, for every path of every capture.
/// </summary>
public class EventViewTests
{
    public static TheoryData<string> Captures() => Fixtures.Captures();

    [Theory]
    [MemberData(nameof(Captures))]
    public void A_data_last_view_answers_every_path_as_the_parsed_document_does(string capture)
    {
        var json = SinkTestEvents.Message(capture, ev => ev with { Timing = new RunTiming(SinkTestEvents.Time.AddSeconds(-3), 3000) }).CloudEventJson;
        using var parsed = new EventView(json);
        var paths = PathsOf(parsed.Root, "").Concat(PathsOf(parsed.Data, "")).Concat(Missing).Distinct().ToList();
        Assert.True(paths.Count > 40, $"only {paths.Count} paths in {capture}");
        foreach (var path in paths)
        {
            using var layout = new EventView(json, dataLast: true);
            Assert.Equal(parsed.Text(path), layout.Text(path));
            Assert.Equal(parsed.Number(path), layout.Number(path));
            Assert.Equal(parsed.Flag(path), layout.Flag(path));
            Assert.Equal(parsed.Values(path), layout.Values(path));
            Assert.Equal(parsed.List(path), layout.List(path));
        }
        // One view asked everything, in two orders: what it remembers of one path must not change another's answer.
        foreach (var order in new[] { paths, Enumerable.Reverse(paths).ToList() })
        {
            using var shared = new EventView(json, dataLast: true);
            foreach (var path in order)
            {
                Assert.Equal(parsed.Text(path), shared.Text(path));
                Assert.Equal(parsed.Values(path), shared.Values(path));
                Assert.Equal(parsed.Number(path), shared.Number(path));
            }
        }
        using var view = new EventView(json, dataLast: true);
        Assert.Equal(parsed.IsTest, view.IsTest);
        Assert.Equal(parsed.Time, view.Time);
        Assert.Equal(parsed.DurationMs, view.DurationMs);
        Assert.Equal(3000, view.DurationMs);
        Assert.Equal(parsed.Hook, view.Hook);
        Assert.Equal(parsed.Target, view.Target);
    }

    // Names no event has, an index past the end, a step into a string, a root attribute's missing child, an empty path.
    private static readonly string[] Missing = ["nope", "instance.nics.99.ip", "instance.name.x", "id.x", "", "env.GANETI_NOPE", "data.nope", "instance.nics.-1", "instance.nics.x"];

    [Fact]
    public void An_attribute_comes_before_a_data_field_of_the_same_name()
    {
        var json = """{"specversion":"1.0","id":"a","subject":"from-attribute","hookrelaytest":"true","data":{"subject":"from-data","instance":{"name":"web-1","nics":[{"ip":"192.0.2.1"},{"ip":null}]}}}"""u8.ToArray();
        using var view = new EventView(json, dataLast: true);
        Assert.Equal("from-attribute", view.Text("subject"));
        Assert.Equal("from-data", view.Text("data.subject"));
        Assert.Equal("web-1", view.Text("instance.name"));
        Assert.Equal("192.0.2.1", view.Text("instance.nics.0.ip"));
        Assert.Null(view.Text("instance.nics.1.ip"));
        Assert.Null(view.Text("instance.nics.2.ip"));
        Assert.True(view.IsTest);
    }

    [Fact]
    public void A_data_last_view_parses_the_whole_document_only_when_asked_for_it()
    {
        var json = SinkTestEvents.LiveMigration().CloudEventJson;
        using var view = new EventView(json, dataLast: true);
        Assert.Equal("web-1.lab.example", view.Text("instance.name"));
        Assert.Equal(JsonValueKind.Object, view.Data.ValueKind);
        Assert.Equal("web-1.lab.example", view.Data.GetProperty("instance").GetProperty("name").GetString());
        // Once parsed, answers come from the document, and they are the same.
        Assert.Equal("web-1.lab.example", view.Text("instance.name"));
    }

    private static IEnumerable<string> PathsOf(JsonElement element, string prefix)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var path = prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}";
                    yield return path;
                    foreach (var deeper in PathsOf(property.Value, path))
                    {
                        yield return deeper;
                    }
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var path = $"{prefix}.{index++}";
                    yield return path;
                    foreach (var deeper in PathsOf(item, path))
                    {
                        yield return deeper;
                    }
                }
                break;
        }
    }

    [Fact]
    public void Paths_are_found_in_an_event_with_escaped_names_and_values()
    {
        var json = Encoding.UTF8.GetBytes("""{"id":"x","data":{"we\u0069rd":"a\"b","été":"summer","env":{"GANETI_X":"\u00e9t\u00e9 <b>"}}}""");
        using var view = new EventView(json, dataLast: true);
        Assert.Equal("a\"b", view.Text("weird"));
        Assert.Equal("summer", view.Text("été"));
        Assert.Null(view.Text("ete"));
        Assert.Equal("été <b>", view.Text("env.GANETI_X"));
    }
}
