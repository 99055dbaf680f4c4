using System.Text.Json.Nodes;
using HookRelay.Delivery;
using HookRelay.Rules;

namespace HookRelay.Actions;

/// <summary>
/// What an action did, skipped or failed, as an event of its own
/// (org.hookrelay.action.done|skipped|failed, <see cref="OwnEvent"/>) about the hook run that
/// triggered it: data.hookrelay is {kind: "action", action, outcome, reason, about}. Routes take it
/// only when they ask for its kind (kind="action").
/// </summary>
public static class ActionOutcomeEvent
{
    public const string TypePrefix = OwnEvent.TypePrefix + "action.";

    public static byte[] Compose(Outbox.StoredEvent trigger, string action, string outcome, string reason, DateTimeOffset now) =>
        OwnEvent.Compose(trigger, TypePrefix + outcome, new JsonObject
        {
            [EventFields.KindName] = EventFields.ActionKind,
            [EventFields.ActionName] = action,
            [EventFields.OutcomeName] = outcome,
            ["reason"] = reason,
        }, now);
}
