using System.Text.Json.Nodes;
using HookRelay.Sinks;

namespace HookRelay.Tests.Sinks.NetBox;

/// <summary>Events from the real captures, their instance (and its post state) edited where a test needs it.</summary>
internal static class NetBoxTestEvents
{
    public static SinkMessage Event(string capture, Action<JsonObject>? instance = null, Action<JsonObject>? data = null)
    {
        var message = SinkTestEvents.Message(capture);
        var document = JsonNode.Parse(message.CloudEventJson.Span)!.AsObject();
        var eventData = document["data"]!.AsObject();
        foreach (var state in new[] { eventData["instance"], eventData["post"]?["instance"] }.OfType<JsonObject>())
        {
            instance?.Invoke(state);
        }
        data?.Invoke(eventData);
        return message with { CloudEventJson = System.Text.Encoding.UTF8.GetBytes(document.ToJsonString()) };
    }

    /// <summary>web-1 added and started on node1: two NICs (192.0.2.2 on net1, 192.0.2.0/24; one without an address), two 1 GiB disks, 256 MiB, 2 vCPUs.</summary>
    public static SinkMessage Web1Added => Event("instance-add-post-node1-01");

    public static SinkMessage Web1Modified(Action<JsonObject> change) => Event("instance-modify-post-node1-01", change);
}
