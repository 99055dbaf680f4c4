using System.Globalization;
using System.Text.Json;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Http;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>
/// Alertmanager's API (POST /api/v2/alerts): each event becomes an alert that resolves itself
/// after resolve_after, so operators can route Ganeti events through the silences, inhibitions
/// and receivers they already run. Alertmanager identifies an alert by its labels: the opkey is
/// one of them and the node the hook ran on is not (it is in the description), so the copies of
/// one operation sent from several nodes are one alert.
/// </summary>
public sealed class AlertmanagerSink : ISink, IDisposable
{
    public const string Type = "alertmanager";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("url", "Alertmanager's base URL, e.g. http://127.0.0.1:9093 (alerts go to /api/v2/alerts under it).") with { Required = true },
        SinkKey.Text("alertname", "The alertname label (default GanetiOperation)."),
        SinkKey.Text("severity", "The severity label (default info)."),
        SinkKey.Duration("resolve_after", "endsAt = the event time plus this: the alert resolves itself (default 5m)."),
        SinkKey.Text("generator_url", "generatorURL of every alert, e.g. a Ganeti dashboard."),
        SinkKey.TextMap("labels", "Extra labels, each value a template ({{ instance.name }}, {{ node.name }}). Added to alertname, severity, hook, phase, cluster, target, opkey and instance_name (not the node the hook ran on, so the copies of one operation from several nodes are one alert).")
            with { NamePattern = "^[a-zA-Z_][a-zA-Z0-9_]*$", IsTemplate = true },
        .. HttpKeys.All,
    ], Create);

    /// <summary>Alertmanager takes longer values, but a label is an index key: a megabyte instance name is cut.</summary>
    private const int MaxLabelValue = 1024;

    /// <summary>On the alerts `hookrelay test-send` makes: silence or route them by it.</summary>
    public const string TestLabel = "hookrelay_test";
    private const int MaxAnnotation = 64 * 1024;

    private readonly HttpSinkClient _http;
    private readonly RouteTexts _texts;
    private readonly string _alertName;
    private readonly string _severity;
    private readonly TimeSpan _resolveAfter;
    private readonly string? _generatorUrl;
    private readonly IReadOnlyList<(string Name, Template Value)> _labels;

    private AlertmanagerSink(string name, HttpSinkClient http, RouteTexts texts, string alertName, string severity, TimeSpan resolveAfter,
        string? generatorUrl, IReadOnlyList<(string, Template)> labels)
    {
        Name = name;
        _http = http;
        _texts = texts;
        _alertName = alertName;
        _severity = severity;
        _resolveAfter = resolveAfter;
        _generatorUrl = generatorUrl;
        _labels = labels;
    }

    public string Name { get; }

    public static AlertmanagerSink Create(SinkSettings settings, RouteTexts texts)
    {
        var root = HttpSinkClient.ParseEndpoint(settings, "url");
        var endpoint = new Uri(root.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/api/v2/alerts");
        var labels = settings.SecretMap("labels").Select(kv => (kv.Key, Template.Parse(kv.Value))).ToList();
        return new AlertmanagerSink(settings.SinkName, new HttpSinkClient(settings, endpoint, connections: 2), texts,
            settings.Text("alertname") ?? "GanetiOperation", settings.Text("severity") ?? "info",
            settings.Duration("resolve_after", TimeSpan.FromMinutes(5)), settings.Text("generator_url"), labels);
    }

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> labels, annotations;
        DateTimeOffset startsAt;
        using (var view = message.View())
        {
            labels = Labels(view);
            annotations = Annotations(message, view);
            startsAt = view.Time;
        }
        return await _http.PostJsonAsync(writer => Write(writer, labels, annotations, startsAt), cancellationToken).ConfigureAwait(false);
    }

    private List<KeyValuePair<string, string>> Labels(EventView view)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = _alertName,
            ["severity"] = _severity,
            ["hook"] = view.Hook,
            ["phase"] = view.Phase,
            ["cluster"] = view.Text("cluster") ?? "",
            ["target"] = view.Target ?? "",
            ["opkey"] = view.Text("opkey") ?? "",
        };
        if (view.Text("instance.name") is { } instance)
        {
            labels["instance_name"] = instance;
        }
        foreach (var (name, template) in _labels)
        {
            labels[name] = template.Render(view, TextFormat.Plain);
        }
        if (view.IsTest)
        {
            // After the configured labels, so none of them can hide it; and a test alert is its own alert.
            labels[TestLabel] = "true";
        }
        // An empty label is no label to Alertmanager; it is dropped rather than sent.
        return [.. labels.Where(kv => kv.Value.Length > 0).Select(kv => KeyValuePair.Create(kv.Key, TextFormats.Truncate(kv.Value, MaxLabelValue)))];
    }

    private List<KeyValuePair<string, string>> Annotations(SinkMessage message, EventView view)
    {
        var annotations = new List<KeyValuePair<string, string>>
        {
            new("summary", TextFormats.Truncate(_texts.Render(message, view, TextFormat.Plain), MaxAnnotation)),
            new("description", TextFormats.Truncate(TextFormats.OneLine(
                $"Ganeti ran the {view.Phase} hook of {view.Hook} on {view.Text("node.name") ?? "?"} ({view.Text("op_code") ?? "no opcode"}); event {message.EventId}"), MaxAnnotation)),
            new("event_id", message.EventId),
        };
        if (view.DurationMs is { } took)
        {
            annotations.Add(new("duration", TextFormats.Duration(took)));
        }
        return annotations;
    }

    private void Write(Utf8JsonWriter writer, List<KeyValuePair<string, string>> labels, List<KeyValuePair<string, string>> annotations, DateTimeOffset startsAt)
    {
        writer.WriteStartArray();
        writer.WriteStartObject();
        WriteMap(writer, "labels", labels);
        WriteMap(writer, "annotations", annotations);
        writer.WriteString("startsAt", Rfc3339(startsAt));
        writer.WriteString("endsAt", Rfc3339(startsAt + _resolveAfter));
        if (_generatorUrl is not null)
        {
            writer.WriteString("generatorURL", _generatorUrl);
        }
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private static void WriteMap(Utf8JsonWriter writer, string name, List<KeyValuePair<string, string>> entries)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in entries)
        {
            writer.WriteString(key, value);
        }
        writer.WriteEndObject();
    }

    private static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public void Dispose() => _http.Dispose();
}
