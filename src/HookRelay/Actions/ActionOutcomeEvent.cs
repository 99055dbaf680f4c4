using System.Text.Json.Nodes;
using HookRelay.Rules;

namespace HookRelay.Actions;

/// <summary>
/// What an action did, skipped or failed, as a CloudEvent of its own
/// (org.hookrelay.action.done|skipped|failed). It keeps the triggering hook run's source, subject,
/// opkey and data, so routes and templates read the instance, cluster and node as they do on the
/// hook event, and adds data.hookrelay: {kind: "action", action, outcome, reason, trigger}.
/// Routes take it only when they ask for its kind (kind="action").
/// </summary>
public static class ActionOutcomeEvent
{
    public const string TypePrefix = "org.hookrelay.action.";

    public static byte[] Compose(Outbox.StoredEvent trigger, string action, string outcome, string reason, DateTimeOffset now)
    {
        var document = JsonNode.Parse(trigger.Body)?.AsObject() ?? throw new FormatException("the triggering event is not a JSON object");
        document["id"] = Guid.CreateVersion7(now).ToString();
        document["type"] = TypePrefix + outcome;
        document["time"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        if (document["data"] is not JsonObject data)
        {
            document["data"] = data = [];
        }
        data[EventFields.OwnPath] = new JsonObject
        {
            [EventFields.KindName] = EventFields.ActionKind,
            [EventFields.ActionName] = action,
            [EventFields.OutcomeName] = outcome,
            ["reason"] = reason,
            ["trigger"] = new JsonObject { ["id"] = trigger.EventId, ["type"] = trigger.Type },
        };
        return System.Text.Encoding.UTF8.GetBytes(document.ToJsonString());
    }
}
