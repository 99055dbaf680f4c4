using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Rules;

/// <summary>
/// One name, one fact: what a matcher reads from the typed event in the hook is what a template
/// reads from the CloudEvent the daemon delivers, for every curated name and every real capture.
/// </summary>
public class EventFieldsTests
{
    public static TheoryData<string> Captures() => Fixtures.Captures();

    private static readonly GateResult[] SomeGates =
    [
        new("naming", "deny", false, "instance name 'test-1' matches the blocked pattern"),
        new("policy", "timeout", true, "no answer within 2 s"),
    ];

    [Theory]
    [MemberData(nameof(Captures))]
    public void Matchers_and_templates_read_the_same_value_for_every_name(string capture)
    {
        var plain = HookEventParser.Parse(Fixtures.Env(capture), Fixtures.Node(capture));
        var decorated = plain with
        {
            Gates = plain.Phase == "pre" ? SomeGates : null,
            Timing = plain.Phase == "post" ? new RunTiming(DateTimeOffset.UtcNow.AddSeconds(-4), 4200) : null,
        };
        foreach (var ev in new[] { plain, decorated })
        {
            using var view = new EventView(CloudEvent.For(ev, DateTimeOffset.UtcNow).ToJsonUtf8());
            foreach (var field in EventFields.All)
            {
                Assert.True(field.OfEvent(ev).SequenceEqual(field.OfDocument(view)),
                    $"{capture}, {field.Name}: matcher reads [{string.Join(", ", field.OfEvent(ev))}], template [{string.Join(", ", field.OfDocument(view))}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void A_delivered_event_matches_as_the_hook_run_it_came_from_every_variable_included(string capture)
    {
        var ev = HookEventParser.Parse(Fixtures.Env(capture), Fixtures.Node(capture));
        using var view = new EventView(CloudEvent.For(ev, DateTimeOffset.UtcNow).ToJsonUtf8());
        IEventAttributes fromHook = new EventAttributes(ev);
        var fromDocument = new DocumentAttributes(view);
        var names = EventFields.All.Select(f => f.Name).Concat(ev.Env.Keys.Select(k => k[HookEventParser.Prefix.Length..].ToLowerInvariant()));
        foreach (var name in names)
        {
            Assert.Equal(fromHook.ValuesOf(name), fromDocument.ValuesOf(name));
        }
        Assert.Equal(["hook"], fromDocument.ValuesOf("kind"));
    }

    [Fact]
    public void Templates_use_the_matchers_names_and_ganeti_variables_as_matchers_read_them()
    {
        var parsed = HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), "node1.lab.example");
        var ev = parsed with { Timing = new RunTiming(DateTimeOffset.UtcNow, 4200) };
        using var view = new EventView(CloudEvent.For(ev, DateTimeOffset.UtcNow).ToJsonUtf8());

        var text = Template.Parse("{{ instance }} on {{ node }} ({{ tag }}), live={{ migrate_live }}, {{ duration_ms }} ms, {{ instance.os }}").Render(view, TextFormat.Plain);

        Assert.Equal("web-1.lab.example on node1.lab.example (env:prod, web), live=true, 4200 ms, noop+default", text);
    }
}
