using System.Text;

namespace HookRelay.Sinks.Messages;

/// <summary>
/// A small text template over the CloudEvent being delivered: literal text with
/// <c>{{ path }}</c> holes, where a path names an attribute (<c>id</c>, <c>type</c>, <c>subject</c>)
/// or walks the event's data (<c>instance.name</c>, <c>migrate.new_primary</c>,
/// <c>instance.disks.0.size_mib</c>; <c>data.</c> in front is allowed). A missing path renders as
/// nothing. Every value goes through the escaper of the target (JSON string, Slack mrkdwn,
/// Markdown, HTML), so a hostile instance tag cannot break out of a JSON string or add markup.
/// <c>{{{{</c> writes a literal <c>{{</c>. Scriban and Fluid were considered and not used (docs/notifications.md).
/// </summary>
public sealed class Template
{
    private readonly List<(string Text, string[]? Path)> _parts;

    private Template(List<(string, string[]?)> parts) => _parts = parts;

    public static bool TryParse(string text, out Template? template, out string? problem)
    {
        var parts = new List<(string, string[]?)>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text.AsSpan(i).StartsWith("{{{{"))
            {
                literal.Append("{{");
                i += 4;
                continue;
            }
            if (!text.AsSpan(i).StartsWith("{{"))
            {
                literal.Append(text[i++]);
                continue;
            }
            var close = text.IndexOf("}}", i + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                (template, problem) = (null, $"a '{{{{' at character {i + 1} is never closed with '}}}}'");
                return false;
            }
            var path = text[(i + 2)..close].Trim();
            if (path.Length == 0 || path.Split('.').Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
            {
                (template, problem) = (null, $"'{{{{ {path} }}}}' at character {i + 1} is not a path such as data.instance.name");
                return false;
            }
            parts.Add((literal.ToString(), null));
            literal.Clear();
            parts.Add(("", path.Split('.')));
            i = close + 2;
        }
        parts.Add((literal.ToString(), null));
        (template, problem) = (new Template(parts), null);
        return true;
    }

    /// <summary>
    /// A name matchers use means the same here (<see cref="Rules.EventFields"/>: <c>instance</c> is
    /// the instance's name, <c>node</c> the node's); any other path walks the event; a single name
    /// the event does not have is the GANETI_* variable of that name, as matchers read it.
    /// </summary>
    private static string? Lookup(EventView view, string[] path)
    {
        if (path is [var name] && Rules.EventFields.Find(name) is { } field)
        {
            return field.OfDocument(view) is { Count: > 0 } values ? string.Join(", ", values) : null;
        }
        if (view.Resolve(path) is { } value)
        {
            return value;
        }
        return path is [var variable] && view.Text($"env.{Events.HookEventParser.Prefix}{variable.ToUpperInvariant()}") is { } raw
            ? Rules.EventAttributes.AsRead(raw)
            : null;
    }

    public static Template Parse(string text) =>
        TryParse(text, out var template, out var problem) ? template! : throw new FormatException(problem);

    /// <summary>Names a template may use that are not in the event itself.</summary>
    public static readonly IReadOnlySet<string> DerivedNames = new HashSet<string>(StringComparer.Ordinal) { "message", "duration" };

    /// <summary>
    /// The text with every hole filled from the event and escaped for <paramref name="format"/>.
    /// Two names are worked out rather than looked up: <c>message</c>, the default sentence for the
    /// event (so a route can add to it), and <c>duration</c>, the operation's duration as people write it.
    /// </summary>
    public string Render(EventView view, TextFormat format)
    {
        var output = new StringBuilder();
        foreach (var (text, path) in _parts)
        {
            if (path is null)
            {
                output.Append(text);
            }
            else if (path is ["message"])
            {
                output.Append(DefaultMessages.For(view).Render(format));
            }
            else if (path is ["duration"])
            {
                output.Append(view.DurationMs is { } ms ? TextFormats.Duration(ms) : "");
            }
            else if (Lookup(view, path) is { } value)
            {
                output.Append(TextFormats.Escape(format, value));
            }
        }
        return output.ToString();
    }
}
