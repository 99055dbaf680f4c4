using System.Buffers;
using System.Text.Json;

namespace HookRelay.Sinks.NetBox;

/// <summary>Request bodies, and reading the objects NetBox answers with (related objects nested, choices as {value, label}).</summary>
public static class NetBoxJson
{
    public static byte[] Body(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The id of a related object ({"id": 3, ...}), or null when unset.</summary>
    public static long? RelatedId(JsonElement item, string field) =>
        item.TryGetProperty(field, out var related) && related.ValueKind == JsonValueKind.Object && related.TryGetProperty("id", out var id) ? id.GetInt64() : null;

    /// <summary>A choice's value ({"value": "active", "label": "Active"}).</summary>
    public static string? Choice(JsonElement item, string field) =>
        item.TryGetProperty(field, out var choice) && choice.ValueKind == JsonValueKind.Object ? choice.StringOf("value") : null;

    public static decimal? Number(JsonElement item, string field) =>
        item.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDecimal() : null;

    public static string Text(JsonElement item, string field) => item.StringOf(field) ?? "";

    /// <summary>The host part of an address ("192.0.2.5" of "192.0.2.5/24").</summary>
    public static string Host(string address) => address.Split('/')[0];
}
