using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Http;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>
/// POSTs each event as CloudEvents over HTTP: structured mode (the whole document,
/// application/cloudevents+json) or binary mode (the data as the body, attributes as ce-*
/// headers). Optional Standard Webhooks signature, extra headers, basic or bearer auth.
/// </summary>
public sealed class WebhookSink : ISink, IDisposable
{
    public const string Type = "webhook";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("url", "Where to POST, http:// or https://. May be a secret reference (${file:...}).") with { Required = true },
        SinkKey.Choice("mode", "CloudEvents HTTP mode: structured (the whole event as application/cloudevents+json, default) or binary (data as the body, attributes as ce-* headers).",
            "structured", "binary"),
        SinkKey.Text("secret", "Standard Webhooks signing secret, whsec_ followed by base64; adds webhook-id, webhook-timestamp and webhook-signature. Use a secret reference.")
            with { IsCredential = true },
        .. HttpKeys.All,
        SinkKey.Text("body", "Send this instead of the CloudEvent: text with {{ path }} holes over the event's JSON (id, type, subject, data.instance.name, data.migrate.new_primary ...). Values are JSON-escaped when content_type is JSON.",
            minLength: null) with { IsTemplate = true },
        SinkKey.Text("content_type", "Content-Type of a templated body (default application/json; charset=utf-8)."),
    ], (settings, _) => Create(settings));
    private static readonly MediaTypeHeaderValue Structured = MediaTypeHeaderValue.Parse("application/cloudevents+json; charset=utf-8");
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

    private readonly HttpSinkClient _http;
    private readonly bool _binary;
    private readonly StandardWebhookSignature? _signature;
    private readonly (Template Template, MediaTypeHeaderValue ContentType)? _body;

    private WebhookSink(string name, HttpSinkClient http, bool binary, StandardWebhookSignature? signature, (Template, MediaTypeHeaderValue)? body)
    {
        _body = body;
        Name = name;
        _http = http;
        _binary = binary;
        _signature = signature;
    }

    public string Name { get; }

    public static WebhookSink Create(SinkSettings settings)
    {
        var endpoint = HttpSinkClient.ParseEndpoint(settings, "url");
        var http = new HttpSinkClient(settings, endpoint, settings.WholeNumber("concurrency", 4));
        var signature = settings.Secret("secret") is { } secret ? new StandardWebhookSignature(secret) : null;
        (Template, MediaTypeHeaderValue)? body = settings.Text("body") is { } template
            ? (Template.Parse(template), ContentType(settings))
            : null;
        return new WebhookSink(settings.SinkName, http, settings.Text("mode") == "binary", signature, body);
    }

    private static MediaTypeHeaderValue ContentType(SinkSettings settings)
    {
        var text = settings.Text("content_type") ?? "application/json; charset=utf-8";
        return MediaTypeHeaderValue.TryParse(text, out var parsed) && parsed.MediaType?.Contains('/', StringComparison.Ordinal) == true
            ? parsed
            : throw new InvalidOperationException($"{settings.Subject}, content_type: '{text}' is not a media type (e.g. application/json or text/plain; charset=utf-8)");
    }

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        var ceHeaders = new List<KeyValuePair<string, string>>();
        var body = _body is { } template ? Templated(message.CloudEventJson, template.Template, template.ContentType)
            : _binary ? BinaryMode(message.CloudEventJson, ceHeaders)
            : message.CloudEventJson.ToArray();
        using var request = _http.Post(body, _body?.ContentType ?? (_binary ? Json : Structured));
        foreach (var (header, value) in ceHeaders)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }
        // The event id as webhook-id: the same on every retry, so receivers can drop duplicates.
        _signature?.AddHeaders(request, message.EventId, DateTimeOffset.UtcNow, body);
        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A body of the operator's own (body: in the configuration), values escaped for its content type.</summary>
    private static byte[] Templated(ReadOnlyMemory<byte> cloudEvent, Template template, MediaTypeHeaderValue contentType)
    {
        using var view = new EventView(cloudEvent);
        return Encoding.UTF8.GetBytes(template.Render(view, FormatOf(contentType)));
    }

    public static TextFormat FormatOf(MediaTypeHeaderValue contentType) => contentType.MediaType?.ToLowerInvariant() switch
    {
        { } type when type.Contains("json", StringComparison.Ordinal) => TextFormat.JsonString,
        "text/html" => TextFormat.Html,
        "text/markdown" => TextFormat.Markdown,
        _ => TextFormat.Plain,
    };

    /// <summary>CloudEvents HTTP binding, binary mode: every attribute but data becomes a ce- header.</summary>
    private static byte[] BinaryMode(ReadOnlyMemory<byte> cloudEvent, List<KeyValuePair<string, string>> headers)
    {
        using var document = JsonDocument.Parse(cloudEvent);
        byte[] data = [];
        foreach (var attribute in document.RootElement.EnumerateObject())
        {
            if (attribute.NameEquals("data"))
            {
                data = Encoding.UTF8.GetBytes(attribute.Value.GetRawText());
            }
            else if (attribute.Name != "datacontenttype")
            {
                headers.Add(KeyValuePair.Create("ce-" + attribute.Name, HeaderValue(attribute.Value.ToString())));
            }
        }
        return data;
    }

    /// <summary>The binding's rule: percent-encode space, '"', '%' and everything outside printable ASCII (as UTF-8).</summary>
    public static string HeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is > 0x20 and < 0x7F and not (byte)'"' and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    public void Dispose() => _http.Dispose();
}
