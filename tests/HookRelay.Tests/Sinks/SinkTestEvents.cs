using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

/// <summary>Events from the real captures with a fixed id and time, so what a sink sends can be compared to a golden file.</summary>
internal static class SinkTestEvents
{
    public static readonly DateTimeOffset Time = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    public const string Id = "019abcde-0000-7000-8000-000000000001";

    public static SinkMessage Message(string capture, Func<HookEvent, HookEvent>? change = null, string route = "route")
    {
        var ev = HookEventParser.Parse(Fixtures.Env(capture), Fixtures.Node(capture));
        ev = change?.Invoke(ev) ?? ev;
        var cloudEvent = new CloudEvent(Id, Time, OpKey.Compute(ev.Env), ev);
        // As the daemon hands it over: rendered by HookRelay, data last, so sinks read it as they do there.
        return new SinkMessage(Id, route, cloudEvent.Type, cloudEvent.ToJsonUtf8()) { DataLast = true };
    }

    /// <summary>The live migration of web-1 from node1 to node2, 4.2 s after its pre run.</summary>
    public static SinkMessage LiveMigration(Func<HookEvent, HookEvent>? change = null, string route = "route") =>
        Message("instance-migrate-post-node1-01", ev => (change?.Invoke(ev) ?? ev) with { Timing = new RunTiming(Time.AddMilliseconds(-4200), 4200) }, route);

    /// <summary>A sink's settings as the configuration would flatten them; a key given twice keeps its last value.</summary>
    public static SinkSettings Settings(string type, params (string Key, string Value)[] settings)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in settings)
        {
            map[key] = value;
        }
        return new(new SinkConfig("test", type, map, new SourcePosition("test.yaml", 1, 1)));
    }
}
