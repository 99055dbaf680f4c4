using System.Text.Json.Nodes;
using HookRelay.Rules;

namespace HookRelay.Delivery;

/// <summary>
/// A delivery given up (org.hookrelay.delivery.dead, <see cref="OwnEvent"/>): about the event that
/// could not be delivered, with data.hookrelay {kind: "dead_letter", sink, attempts, reason,
/// about}. Routes take it only when they ask (kind="dead_letter"), so a sink that is down can be
/// alerted on through another. A dead letter of an own event begets nothing: no loops.
/// </summary>
public static class DeadLetterEvent
{
    public const string Type = OwnEvent.TypePrefix + "delivery.dead";

    public static byte[] Compose(Outbox.StoredEvent undelivered, string sink, int attempts, string reason, DateTimeOffset now) =>
        OwnEvent.Compose(undelivered, Type, new JsonObject
        {
            [EventFields.KindName] = EventFields.DeadLetterKind,
            [EventFields.SinkName] = sink,
            ["attempts"] = attempts,
            ["reason"] = reason,
        }, now);
}
