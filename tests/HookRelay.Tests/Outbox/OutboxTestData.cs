using HookRelay.Events;
using HookRelay.Outbox;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Outbox;

/// <summary>Events from the real captures, as the hook would queue them.</summary>
internal static class OutboxTestData
{
    public static CloudEvent Event(string capture = "instance-migrate-post-node1-01", string? instance = null)
    {
        var env = Fixtures.Env(capture);
        if (instance is not null)
        {
            env["GANETI_INSTANCE_NAME"] = instance;
        }
        return CloudEvent.For(HookEventParser.Parse(env, "node1.lab.example"), DateTimeOffset.UtcNow);
    }

    /// <summary>What the hook stores for a capture, and the event it parsed.</summary>
    public static (HookRecord Record, HookEvent Event) Record(string capture = "instance-migrate-post-node1-01", Action<SortedDictionary<string, string>>? change = null)
    {
        var env = Fixtures.Env(capture);
        change?.Invoke(env);
        var ev = HookEventParser.Parse(env, "node1.lab.example");
        return (HookRecord.For(ev, "node1.lab.example", DateTimeOffset.UtcNow), ev);
    }

    public static HookRecord Enqueue(string stateDir, OutboxOptions options, IReadOnlyList<PlannedDelivery> deliveries, string capture = "instance-migrate-post-node1-01",
        Action<SortedDictionary<string, string>>? change = null)
    {
        var (record, ev) = Record(capture, change);
        OutboxWriter.Enqueue(stateDir, options, record, ev, deliveries);
        return record;
    }

    public static IReadOnlyList<PlannedDelivery> To(params string[] sinks) => [.. sinks.Select(s => new PlannedDelivery("route", s))];
}
