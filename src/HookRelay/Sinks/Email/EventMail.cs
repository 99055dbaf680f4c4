using System.Text;
using HookRelay.Sinks.Messages;
using MimeKit;

namespace HookRelay.Sinks.Email;

/// <summary>
/// The e-mail for one event: the subject is the route's text or the default sentence on one
/// line; the body says it again with the facts an operator looks for, as plain text and as HTML
/// (every value escaped). The Message-Id comes from the event id, so a retry that reaches the
/// mailbox twice is recognisably the same message.
/// </summary>
public static class EventMail
{
    /// <summary>RFC 5322 asks for lines under 998 characters; a subject is cut well before.</summary>
    private const int MaxSubject = 250;

    public static MimeMessage Compose(SinkMessage message, EventView view, RouteTexts texts, Template? subject,
        MailboxAddress from, IReadOnlyList<MailboxAddress> to)
    {
        var mail = new MimeMessage();
        mail.From.Add(from);
        mail.To.AddRange(to);
        var text = subject?.Render(view, TextFormat.Plain) ?? texts.Render(message, view, TextFormat.Plain);
        // A subject template must not hide that this is test-send's sample.
        mail.Subject = TextFormats.Truncate(view.IsTest && !text.StartsWith(EventView.TestMarker, StringComparison.Ordinal) ? EventView.TestMarker + text : text, MaxSubject);
        mail.Date = view.Time;
        mail.MessageId = $"{message.EventId}@hookrelay";
        mail.Headers.Add("X-HookRelay-Event", message.EventId);
        mail.Headers.Add("X-HookRelay-Type", message.EventType);
        var facts = Facts(message, view);
        mail.Body = new MultipartAlternative
        {
            new TextPart("plain") { Text = PlainBody(texts.Render(message, view, TextFormat.Plain), facts) },
            new TextPart("html") { Text = HtmlBody(texts.Render(message, view, TextFormat.Html), facts) },
        };
        return mail;
    }

    private static List<(string Name, string Value)> Facts(SinkMessage message, EventView view)
    {
        var facts = new List<(string, string?)>
        {
            ("Operation", $"{view.Hook} ({view.Phase}), {view.Text("op_code")}"),
            ("Target", view.Target),
            ("Cluster", view.Text("cluster")),
            ("Seen on", view.Text("node.name")),
            ("Took", view.DurationMs is { } ms ? TextFormats.Duration(ms) : null),
            ("Time", view.Time.ToString("u", System.Globalization.CultureInfo.InvariantCulture)),
            ("Event", message.EventId),
            ("Opkey", view.Text("opkey")),
        };
        return [.. facts.Where(f => !string.IsNullOrEmpty(f.Item2)).Select(f => (f.Item1, f.Item2!))];
    }

    private static string PlainBody(string sentence, List<(string Name, string Value)> facts)
    {
        var body = new StringBuilder(sentence).Append("\n\n");
        foreach (var (name, value) in facts)
        {
            body.Append(name).Append(": ").Append(TextFormats.OneLine(value)).Append('\n');
        }
        return body.Append("\n-- \nHookRelay\n").ToString();
    }

    private static string HtmlBody(string sentence, List<(string Name, string Value)> facts)
    {
        var body = new StringBuilder("<!DOCTYPE html><html><body><p>").Append(sentence).Append("</p><table>");
        foreach (var (name, value) in facts)
        {
            body.Append("<tr><th align=\"left\">").Append(TextFormats.Html(name)).Append("</th><td>")
                .Append(TextFormats.Escape(TextFormat.Html, value)).Append("</td></tr>");
        }
        return body.Append("</table><p style=\"color:#888\">HookRelay</p></body></html>").ToString();
    }
}
