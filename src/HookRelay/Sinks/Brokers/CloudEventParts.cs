using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks.Brokers;

/// <summary>How an event is put on a broker: attributes as the protocol's headers and data as the payload, or the whole CloudEvent as JSON.</summary>
public enum BindingMode
{
    Binary,
    Structured,
}

/// <summary>
/// One event taken apart for the CloudEvents protocol bindings (MQTT, AMQP, NATS, Kafka): its
/// context attributes as text, its data as the payload and data's content type, and the whole
/// document for structured mode. Parsed once per message, whatever the broker.
/// </summary>
public sealed class CloudEventParts : IDisposable
{
    public const string StructuredContentType = "application/cloudevents+json; charset=utf-8";

    private CloudEventParts(EventView view, ReadOnlyMemory<byte> document, IReadOnlyList<KeyValuePair<string, string>> attributes, string contentType, ReadOnlyMemory<byte> data)
    {
        View = view;
        Document = document;
        Attributes = attributes;
        ContentType = contentType;
        Data = data;
    }

    /// <summary>For templates (topic, subject, routing key, key).</summary>
    public EventView View { get; }

    /// <summary>The CloudEvent as JSON: the payload in structured mode.</summary>
    public ReadOnlyMemory<byte> Document { get; }

    /// <summary>Every context attribute but datacontenttype (which each binding carries in its own content-type field), in document order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes { get; }

    public string Id => AttributeOf("id") ?? "";

    public string ContentType { get; }

    /// <summary>The data alone: the payload in binary mode.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    public static CloudEventParts Parse(SinkMessage message) => message.DataLast ? FromLayout(message) : FromDocument(message);

    /// <summary>
    /// A document HookRelay rendered (<see cref="SinkMessage.DataLast"/>): the attributes read up
    /// to data, and data everything from there to the closing brace, so data is never parsed.
    /// </summary>
    private static CloudEventParts FromLayout(SinkMessage message)
    {
        var json = message.CloudEventJson;
        var attributes = new List<KeyValuePair<string, string>>(12);
        var contentType = "application/json";
        var data = ReadOnlyMemory<byte>.Empty;
        var reader = new Utf8JsonReader(json.Span);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                var end = json.Span.TrimEnd(" \t\r\n"u8).Length - 1;
                data = json[(int)reader.TokenStartIndex..end].TrimEnd(" \t\r\n"u8);
                break;
            }
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var value = reader.TokenType == JsonTokenType.String ? reader.GetString()! : Encoding.UTF8.GetString(json.Span[start..(int)reader.BytesConsumed]);
            if (name == "datacontenttype")
            {
                contentType = value;
            }
            else
            {
                attributes.Add(KeyValuePair.Create(name, value));
            }
        }
        return new CloudEventParts(new EventView(json, dataLast: true), json, attributes, contentType, data);
    }

    private static CloudEventParts FromDocument(SinkMessage message)
    {
        var view = message.View();
        var attributes = new List<KeyValuePair<string, string>>();
        var contentType = "application/json";
        ReadOnlyMemory<byte> data = ReadOnlyMemory<byte>.Empty;
        foreach (var property in view.Root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "data":
                    data = RawSlice(message.CloudEventJson, property.Value);
                    break;
                case "data_base64":
                    data = property.Value.GetBytesFromBase64();
                    break;
                case "datacontenttype":
                    contentType = property.Value.GetString() ?? contentType;
                    break;
                default:
                    attributes.Add(KeyValuePair.Create(property.Name,
                        property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText()));
                    break;
            }
        }
        return new CloudEventParts(view, message.CloudEventJson, attributes, contentType, data);
    }

    /// <summary>A context attribute as text; null when the event has none.</summary>
    public string? AttributeOf(string name) => Attributes.FirstOrDefault(a => a.Key == name).Value;

    /// <summary>
    /// A value's JSON as it stands in the document, without copying it: data is most of an event
    /// (every Ganeti variable), and copying it through a string cost the daemon a tenth of its CPU.
    /// </summary>
    private static ReadOnlyMemory<byte> RawSlice(ReadOnlyMemory<byte> document, JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        var offset = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(document.Span), ref MemoryMarshal.GetReference(raw));
        // JsonDocument.Parse(ReadOnlyMemory) reads the caller's bytes in place, so the value lies within them.
        return offset >= 0 && offset + raw.Length <= document.Length
            ? document.Slice((int)offset, raw.Length)
            : raw.ToArray();
    }

    /// <summary>The payload and its content type in <paramref name="mode"/>.</summary>
    public (ReadOnlyMemory<byte> Payload, string ContentType) Body(BindingMode mode) =>
        mode == BindingMode.Binary ? (Data, ContentType) : (Document, StructuredContentType);

    /// <summary>The attributes as headers named the binding's way (ce_id, ce-id, cloudEvents:id); none in structured mode.</summary>
    public IEnumerable<KeyValuePair<string, string>> Headers(BindingMode mode, string prefix) =>
        mode == BindingMode.Binary ? Attributes.Select(a => KeyValuePair.Create(prefix + a.Key, a.Value)) : [];

    public void Dispose() => View.Dispose();
}
