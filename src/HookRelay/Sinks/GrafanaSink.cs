using System.Text.Json;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Http;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>
/// Grafana annotations (POST /api/annotations with a service-account token). An operation that
/// takes time (a migration, a failover, a disk growing) becomes a region from its pre run to its
/// post run on this node, so a dashboard shows when the instance was moving; anything else, or a
/// post run whose pre run was not seen, is a point at the event's time.
/// </summary>
public sealed class GrafanaSink : ISink, IDisposable
{
    public const string Type = "grafana";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("url", "Grafana's base URL, e.g. https://grafana.example.org (annotations go to /api/annotations under it).") with { Required = true },
        SinkKey.Text("token", "A service-account token with the annotations:write permission. Use a secret reference.") with { Required = true, IsCredential = true },
        SinkKey.Text("dashboard_uid", "Put annotations on this dashboard (default: organisation-wide annotations)."),
        SinkKey.WholeNumber("panel_id", "And on this panel of it."),
        SinkKey.TextList("tags", "Annotation tags, each a template ({{ instance.name }}, {{ hook }}); default [ganeti, {{ hook }}, {{ target }}]. Empty results are dropped.")
            with { IsTemplate = true },
        SinkKey.TextList("regions", "Hooks paths whose post event becomes a region from the pre run to the post run (default: instance-migrate, instance-failover, disk-grow, instance-reinstall, instance-add, instance-move, instance-change-group, instance-export, instance-recreate-disks, mirrors-replace, node-migrate, group-evacuate).")
            with { Pattern = "^[a-z][a-z0-9-]*$" },
        .. HttpKeys.WithoutAuth,
    ], Create);

    /// <summary>Operations long enough for a region, unless the configuration names its own (regions: [...]).</summary>
    public static readonly IReadOnlyList<string> DefaultRegionHooks =
    [
        "instance-migrate", "instance-failover", "disk-grow", "instance-reinstall", "instance-add", "instance-move",
        "instance-change-group", "instance-export", "instance-recreate-disks", "mirrors-replace", "node-migrate", "group-evacuate",
    ];

    private static readonly Template[] DefaultTags = [Template.Parse("ganeti"), Template.Parse("{{ hook }}"), Template.Parse("{{ target }}")];

    private readonly HttpSinkClient _http;
    private readonly RouteTexts _texts;
    private readonly IReadOnlyList<Template> _tags;
    private readonly IReadOnlySet<string> _regions;
    private readonly string? _dashboard;
    private readonly long? _panel;

    private GrafanaSink(string name, HttpSinkClient http, RouteTexts texts, IReadOnlyList<Template> tags, IReadOnlySet<string> regions, string? dashboard, long? panel)
    {
        Name = name;
        _http = http;
        _texts = texts;
        _tags = tags;
        _regions = regions;
        _dashboard = dashboard;
        _panel = panel;
    }

    public string Name { get; }

    public static GrafanaSink Create(SinkSettings settings, RouteTexts texts)
    {
        var root = HttpSinkClient.ParseEndpoint(settings, "url");
        var endpoint = new Uri(root.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/api/annotations");
        var tags = settings.List("tags") is { Count: > 0 } configured ? configured.Select(Template.Parse).ToArray() : DefaultTags;
        var regions = settings.List("regions") is { Count: > 0 } hooks ? hooks : DefaultRegionHooks;
        return new GrafanaSink(settings.SinkName, new HttpSinkClient(settings, endpoint, connections: 2, bearerKey: "token"), texts, tags,
            regions.ToHashSet(StringComparer.Ordinal), settings.Text("dashboard_uid"), settings.Number("panel_id") is { } panel ? (long)panel : null);
    }

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        Annotation annotation;
        using (var view = message.View())
        {
            annotation = AnnotationFor(message, view);
        }
        return await _http.PostJsonAsync(annotation.Write, cancellationToken).ConfigureAwait(false);
    }

    public Annotation AnnotationFor(SinkMessage message, EventView view)
    {
        var end = view.Time.ToUnixTimeMilliseconds();
        long? start = _regions.Contains(view.Hook) && view.DurationMs is { } took ? end - took : null;
        var tags = _tags.Select(t => t.Render(view, TextFormat.Plain).Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        // Grafana shows annotation text as sanitised HTML: values are escaped as HTML so they read as written.
        return new Annotation(start ?? end, start is null ? null : end, tags, _texts.Render(message, view, TextFormat.Html), _dashboard, _panel);
    }

    public void Dispose() => _http.Dispose();

    public sealed record Annotation(long Time, long? TimeEnd, IReadOnlyList<string> Tags, string Text, string? DashboardUid, long? PanelId)
    {
        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            if (DashboardUid is not null)
            {
                writer.WriteString("dashboardUID", DashboardUid);
            }
            if (PanelId is { } panel)
            {
                writer.WriteNumber("panelId", panel);
            }
            writer.WriteNumber("time", Time);
            if (TimeEnd is { } timeEnd)
            {
                writer.WriteNumber("timeEnd", timeEnd);
            }
            writer.WriteStartArray("tags");
            foreach (var tag in Tags)
            {
                writer.WriteStringValue(tag);
            }
            writer.WriteEndArray();
            writer.WriteString("text", Text);
            writer.WriteEndObject();
        }
    }
}
