using System.Text.Json.Nodes;
using HookRelay.Rules;

namespace HookRelay.Delivery;

/// <summary>
/// An event HookRelay makes about an event it holds (an action's outcome, a dead letter): the
/// event it is about, as delivered, with a new id, type and time, and what HookRelay has to say in
/// data.hookrelay ({kind, ..., reason}). Keeping the original's source, subject, opkey and data
/// lets routes and templates read the instance, cluster and node as they do on the original.
/// </summary>
public static class OwnEvent
{
    /// <summary>Every own event's type starts so (hook events' with org.ganeti.): such an event never begets another.</summary>
    public const string TypePrefix = "org.hookrelay.";

    public static bool IsOwn(string type) => type.StartsWith(TypePrefix, StringComparison.Ordinal);

    public static byte[] Compose(Outbox.StoredEvent about, string type, JsonObject said, DateTimeOffset now)
    {
        var document = JsonNode.Parse(about.Body)?.AsObject() ?? throw new FormatException("the event is not a JSON object");
        document["id"] = Guid.CreateVersion7(now).ToString();
        document["type"] = type;
        document["time"] = Events.CloudEvent.TimeText(now);
        if (document["data"] is not JsonObject data)
        {
            document["data"] = data = [];
        }
        said["about"] = new JsonObject { ["id"] = about.EventId, ["type"] = about.Type };
        data[EventFields.OwnPath] = said;
        return System.Text.Encoding.UTF8.GetBytes(document.ToJsonString());
    }

    /// <summary>
    /// An own event about no single event (what a reconcile changed): source the cluster, subject
    /// what it concerns, data {cluster, hookrelay: {kind, ...}}, so routes and templates read the
    /// cluster as on a hook event.
    /// </summary>
    public static byte[] ComposeFor(string cluster, string subject, string type, JsonObject said, DateTimeOffset now, Events.EventStamp? stamp = null)
    {
        var document = new JsonObject
        {
            ["specversion"] = Events.CloudEvent.SpecVersion,
            ["id"] = Guid.CreateVersion7(now).ToString(),
            ["source"] = Events.CloudEvent.SourceOf(cluster),
            ["type"] = type,
            ["subject"] = subject,
            ["time"] = Events.CloudEvent.TimeText(now),
            ["datacontenttype"] = "application/json",
            ["data"] = new JsonObject { ["cluster"] = cluster, [EventFields.OwnPath] = said },
        };
        if (stamp is not null)
        {
            document[Events.EventStamp.VersionAttribute] = stamp.Version;
            document[Events.EventStamp.ConfigAttribute] = stamp.ConfigHash;
        }
        return System.Text.Encoding.UTF8.GetBytes(document.ToJsonString());
    }
}
