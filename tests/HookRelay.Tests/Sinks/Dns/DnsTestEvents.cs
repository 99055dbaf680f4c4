using System.Text.Json.Nodes;
using HookRelay.Sinks;

namespace HookRelay.Tests.Sinks.Dns;

/// <summary>Events from the real captures, edited where a test needs another name or address (in the instance and, where there is one, its post state).</summary>
internal static class DnsTestEvents
{
    public static SinkMessage Event(string capture, string? name = null, string? ip = null, string? newName = null)
    {
        var message = SinkTestEvents.Message(capture);
        var document = JsonNode.Parse(message.CloudEventJson.Span)!.AsObject();
        var data = document["data"]!.AsObject();
        foreach (var instance in new[] { data["instance"], data["post"]?["instance"] }.OfType<JsonObject>())
        {
            if (name is not null)
            {
                instance["name"] = name;
            }
            if (ip is not null)
            {
                instance["nics"]![0]!["ip"] = ip;
            }
        }
        if (newName is not null)
        {
            data["rename"]!["old_name"] = name;
            data["rename"]!["new_name"] = newName;
        }
        return message with { CloudEventJson = System.Text.Encoding.UTF8.GetBytes(document.ToJsonString()) };
    }

    public static SinkMessage Add(string name, string ip) => Event("instance-add-post-node1-01", name, ip);

    public static SinkMessage Modify(string name, string ip) => Event("instance-modify-post-node1-01", name, ip);

    public static SinkMessage Remove(string name, string ip) => Event("instance-remove-post-node1-01", name, ip);

    public static SinkMessage Rename(string name, string newName, string ip) => Event("instance-rename-post-node1-e2e01", name, ip, newName);
}
