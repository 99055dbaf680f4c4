using HookRelay.Rules;

namespace HookRelay.Sinks.Messages;

/// <summary>
/// The message text of a delivery: the `text:` template of the route that sent it, else the
/// default sentence for the event. A delivery that several routes sent to one sink (stored once,
/// routes "a,b") uses the first of them that has a text, in configuration order.
/// </summary>
public sealed class RouteTexts
{
    public static readonly RouteTexts None = new([]);

    private readonly List<(string Route, Template Template)> _templates;
    private readonly string? _prefix;

    private RouteTexts(List<(string, Template)> templates, string? prefix = null)
    {
        _templates = templates;
        _prefix = prefix;
    }

    /// <summary>The same texts, each opened with a marker (test-send's "[test]"), so nobody takes a sample for the real thing.</summary>
    public RouteTexts WithPrefix(string prefix) => new(_templates, prefix);

    public static RouteTexts From(HookRelayConfig config) =>
        new([.. config.Routes.Where(r => r.Text is not null).Select(r => (r.Name, Template.Parse(r.Text!)))]);

    public static RouteTexts Of(params (string Route, string Text)[] texts) =>
        new([.. texts.Select(t => (t.Route, Template.Parse(t.Text)))]);

    public string Render(SinkMessage message, EventView view, TextFormat format) =>
        _prefix is null ? Text(message, view, format) : TextFormats.Escape(format, _prefix) + Text(message, view, format);

    private string Text(SinkMessage message, EventView view, TextFormat format)
    {
        var routes = message.Route.Split(',');
        foreach (var (route, template) in _templates)
        {
            if (routes.Contains(route, StringComparer.Ordinal))
            {
                return template.Render(view, format);
            }
        }
        return DefaultMessages.For(view).Render(format);
    }
}
