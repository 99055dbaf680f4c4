using System.Text.Json;

namespace HookRelay.Events;

/// <summary>
/// A hook event as a CloudEvents 1.0 structured-mode JSON document. Extension attribute names
/// must be lower-case alphanumerics, hence "opkey".
/// </summary>
public sealed record CloudEvent(string Id, DateTimeOffset Time, string OpKey, HookEvent Data)
{
    public const string SpecVersion = "1.0";

    public static CloudEvent For(HookEvent ev, DateTimeOffset now) =>
        new(Guid.CreateVersion7(now).ToString(), now, Events.OpKey.Compute(ev.Env), ev);

    public string Type => TypeOf(Data);

    public static string TypeOf(HookEvent data) => $"org.ganeti.{Safe(data.Hook)}.{Safe(data.Phase)}";

    public string Source => SourceOf(Data.Cluster);

    /// <summary>An event's time attribute: RFC 3339 in UTC with every digit .NET keeps, as every event HookRelay makes writes it.</summary>
    public static string TimeText(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The source of every event about <paramref name="cluster"/>, HookRelay's own included.</summary>
    public static string SourceOf(string? cluster) => $"ganeti://{Safe(cluster)}";

    public string? Subject => Data.Target;

    /// <summary>A sample sent by `hookrelay test-send`, not an operation: the far end must be able to tell.</summary>
    public bool Test { get; init; }

    /// <summary>Which HookRelay rendered it (<see cref="EventStamp"/>); none when unknown.</summary>
    public EventStamp? Stamp { get; init; }

    /// <summary>The extension attribute a test event carries ("true"), and every sink shows in its own way.</summary>
    public const string TestAttribute = "hookrelaytest";

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("specversion", SpecVersion);
        writer.WriteString("id", Id);
        writer.WriteString("source", Source);
        writer.WriteString("type", Type);
        if (Subject is not null)
        {
            writer.WriteString("subject", Subject);
        }
        writer.WriteString("time", TimeText(Time));
        writer.WriteString("datacontenttype", "application/json");
        writer.WriteString("opkey", OpKey);
        if (Stamp is { } stamp)
        {
            writer.WriteString(EventStamp.VersionAttribute, stamp.Version);
            writer.WriteString(EventStamp.ConfigAttribute, stamp.ConfigHash);
        }
        if (Test)
        {
            writer.WriteString(TestAttribute, "true");
        }
        writer.WritePropertyName("data");
        JsonSerializer.Serialize(writer, Data, EventJsonContext.Default.HookEvent);
        writer.WriteEndObject();
    }

    public byte[] ToJsonUtf8()
    {
        // The daemon renders every event it delivers: one buffer per thread, reused, instead of
        // 16 KB allocated and cleared per event. One that a huge event grew is not kept.
        var buffer = _renderBuffer ?? new System.Buffers.ArrayBufferWriter<byte>(RenderBufferSize);
        _renderBuffer = null;
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, JsonOnlyEncoder.WriterOptions))
        {
            WriteTo(writer);
        }
        var json = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity <= 16 * RenderBufferSize)
        {
            _renderBuffer = buffer;
        }
        return json;
    }

    // Events with every raw variable run to 10-15 KB: big enough not to grow twice.
    private const int RenderBufferSize = 16384;

    [ThreadStatic]
    private static System.Buffers.ArrayBufferWriter<byte>? _renderBuffer;

    // Hooks paths and cluster names are Ganeti's, but a hostile or empty one must not make an invalid type or URI.
    private static string Safe(string? part)
    {
        if (string.IsNullOrEmpty(part))
        {
            return "unknown";
        }
        Span<char> buffer = part.Length <= 256 ? stackalloc char[part.Length] : new char[part.Length];
        for (var i = 0; i < part.Length; i++)
        {
            var c = part[i];
            buffer[i] = char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_';
        }
        return new string(buffer);
    }
}
