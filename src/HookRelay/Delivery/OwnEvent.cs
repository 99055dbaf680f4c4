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
    /// An event about no single hook event (what a reconcile changed, a step of a Ganeti job):
    /// source the cluster, subject what it concerns, data {cluster, <paramref name="fields"/>…,
    /// hookrelay: {kind, ...}}, so routes and templates read the cluster as on a hook event. Its id
    /// is <paramref name="id"/> when the event must be the same each time it is made (a job's
    /// step), else a new one of <paramref name="time"/>.
    /// </summary>
    public static byte[] ComposeFor(string cluster, string subject, string type, JsonObject said, DateTimeOffset time, Events.EventStamp? stamp = null,
        Guid? id = null, JsonObject? fields = null)
    {
        var data = new JsonObject { ["cluster"] = cluster };
        foreach (var (name, value) in fields?.ToList() ?? [])
        {
            fields!.Remove(name);
            data[name] = value;
        }
        data[EventFields.OwnPath] = said;
        var document = new JsonObject
        {
            ["specversion"] = Events.CloudEvent.SpecVersion,
            ["id"] = (id ?? Guid.CreateVersion7(time)).ToString(),
            ["source"] = Events.CloudEvent.SourceOf(cluster),
            ["type"] = type,
            ["subject"] = subject,
            ["time"] = Events.CloudEvent.TimeText(time),
            ["datacontenttype"] = "application/json",
            ["data"] = data,
        };
        if (stamp is not null)
        {
            document[Events.EventStamp.VersionAttribute] = stamp.Version;
            document[Events.EventStamp.ConfigAttribute] = stamp.ConfigHash;
        }
        return System.Text.Encoding.UTF8.GetBytes(document.ToJsonString());
    }
}
