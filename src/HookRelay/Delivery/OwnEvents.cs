using HookRelay.Outbox;
using HookRelay.Rules;
using HookRelay.Sinks.Messages;

namespace HookRelay.Delivery;

/// <summary>
/// Queues HookRelay's own events (an action's outcome) where the routes that ask for them send
/// them, through the same outbox as hook events, and wakes the daemon to deliver them. Safe from
/// any thread: each call writes on a connection of its own, as a hook does.
/// </summary>
public sealed class OwnEvents(Func<HookRelayConfig> config, Action wake)
{
    /// <summary>Where the configuration in force keeps its state (journals beside the outbox).</summary>
    public string StateDir => config().StateDir;

    /// <summary>Plans and queues one event; routed nowhere, it is not stored.</summary>
    public void Publish(byte[] cloudEvent, string orderingKey)
    {
        var current = config();
        List<PlannedDelivery> deliveries;
        using (var view = new EventView(cloudEvent))
        {
            deliveries = Planner.PlanOwnEvent(current, new DocumentAttributes(view));
        }
        if (deliveries.Count == 0)
        {
            return;
        }
        var options = new OutboxOptions(current.Delivery.Fsync, TimeSpan.FromSeconds(30), current.Delivery.MaxDbBytes);
        OutboxWriter.Enqueue(current.StateDir, options, OutboxEnvelope.ForCloudEvent(cloudEvent, orderingKey, DateTimeOffset.UtcNow), deliveries);
        wake();
    }
}
