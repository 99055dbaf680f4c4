using HookRelay.Events;
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

    public static IReadOnlyList<PlannedDelivery> To(params string[] sinks) => [.. sinks.Select(s => new PlannedDelivery("route", s))];
}
