using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace HookRelay.Sinks.Messages;

/// <summary>Where a text lands, which decides how a value from the event is escaped in it.</summary>
public enum TextFormat
{
    /// <summary>Plain text on one line (e-mail subjects, syslog, Alertmanager): control characters become spaces.</summary>
    Plain,
    /// <summary>Inside a JSON string (a webhook body template): quotes, backslashes and control characters escaped, nothing dropped.</summary>
    JsonString,
    /// <summary>Slack mrkdwn: &amp;, &lt;, &gt; escaped, formatting characters at word edges defused.</summary>
    SlackMrkdwn,
    /// <summary>Markdown (Mattermost): markup characters backslash-escaped, @-mentions broken.</summary>
    Markdown,
    /// <summary>HTML (e-mail): entities.</summary>
    Html,
    /// <summary>One level of an MQTT topic: a value can add no level (/) and no wildcard (+, #).</summary>
    TopicLevel,
    /// <summary>One token of a NATS subject or an AMQP routing key: a value can add no token (.), wildcard (*, &gt;) or space, and is never empty.</summary>
    SubjectToken,
}

/// <summary>
/// Escaping per <see cref="TextFormat"/>. Values come from Ganeti and from operators (instance
/// names, tags, gate reasons), so none of them may add markup, a mention, a link or a line to a
/// message: whatever an instance is called, the message says what the template says.
/// </summary>
public static class TextFormats
{
    /// <summary>Zero-width space: splits what Slack or Mattermost would read as markup or a mention, and is invisible.</summary>
    private const char ZeroWidthSpace = '\u200B';

    public static string Escape(TextFormat format, string value) => format switch
    {
        TextFormat.JsonString => JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value,
        TextFormat.Plain => OneLine(value),
        TextFormat.SlackMrkdwn => SlackMrkdwn(OneLine(value)),
        TextFormat.Markdown => Markdown(OneLine(value)),
        TextFormat.Html => Html(OneLine(value)),
        TextFormat.TopicLevel => Replace(value, NotInTopicLevel, '_'),
        TextFormat.SubjectToken => value.Length == 0 ? "_" : Replace(value, NotInSubjectToken, '_'),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static readonly SearchValues<char> NotInTopicLevel = WithControls("/+#");
    private static readonly SearchValues<char> NotInSubjectToken = WithControls(".*> \t");

    /// <summary>The characters given and every control character: U+0000–U+001F and U+007F–U+009F, those <see cref="char.IsControl(char)"/> says are.</summary>
    private static SearchValues<char> WithControls(string forbidden) =>
        SearchValues.Create([.. forbidden, .. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)]);

    /// <summary>Each of <paramref name="forbidden"/> becomes <paramref name="with"/>; a value with none of them (the usual one) is returned as it is.</summary>
    private static string Replace(string value, SearchValues<char> forbidden, char with)
    {
        var first = value.AsSpan().IndexOfAny(forbidden);
        if (first < 0)
        {
            return value;
        }
        return string.Create(value.Length, (value, forbidden, with, first), static (span, state) =>
        {
            var (source, set, replacement, from) = state;
            source.AsSpan().CopyTo(span);
            for (var i = from; i < span.Length; i++)
            {
                if (set.Contains(span[i]))
                {
                    span[i] = replacement;
                }
            }
        });
    }

    /// <summary>Already escaped text, emphasised the way the format does it.</summary>
    public static string Strong(TextFormat format, string escaped) => format switch
    {
        TextFormat.SlackMrkdwn => $"*{escaped}*",
        TextFormat.Markdown => $"**{escaped}**",
        TextFormat.Html => $"<b>{escaped}</b>",
        _ => escaped,
    };

    /// <summary>Each run of control characters (a newline, CR LF) becomes one space: a value cannot start a line of its own.</summary>
    public static string OneLine(string value)
    {
        if (!value.Any(char.IsControl))
        {
            return value;
        }
        var builder = new StringBuilder(value.Length);
        var inControlRun = false;
        foreach (var c in value)
        {
            if (!char.IsControl(c))
            {
                builder.Append(c);
            }
            else if (!inControlRun)
            {
                builder.Append(' ');
            }
            inControlRun = char.IsControl(c);
        }
        return builder.ToString();
    }

    /// <summary>
    /// Slack has no escape for *, _, ~ and `; they only format at the edge of a word, so a
    /// zero-width space is put between such a character and the edge. "web_1" stays as it is.
    /// </summary>
    private static string SlackMrkdwn(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '&':
                    builder.Append("&amp;");
                    break;
                case '<':
                    builder.Append("&lt;");
                    break;
                case '>':
                    builder.Append("&gt;");
                    break;
                case '*' or '_' or '~' or '`' when AtWordEdge(value, i):
                    builder.Append(ZeroWidthSpace).Append(c).Append(ZeroWidthSpace);
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }
        return builder.ToString();
    }

    /// <summary>The five characters HTML gives meaning to, as entities; every other character stays itself (UTF-8 bodies).</summary>
    public static string Html(string value)
    {
        if (value.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return value;
        }
        var builder = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            } ?? c.ToString());
        }
        return builder.ToString();
    }

    private static bool AtWordEdge(string value, int i) =>
        i == 0 || i == value.Length - 1 || !char.IsLetterOrDigit(value[i - 1]) || !char.IsLetterOrDigit(value[i + 1]);

    /// <summary>
    /// Escapes what makes inline Markdown (emphasis, code, links, HTML, tables, strikethrough)
    /// and, at the start of a value, what would start a block (heading, list, quote). Dots and
    /// dashes inside names stay as they are: push notifications show the raw text.
    /// </summary>
    private static string Markdown(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '~' || (i == 0 && c is '#' or '-' or '+'))
            {
                builder.Append('\\').Append(c);
            }
            else if (c == '@')
            {
                builder.Append('@').Append(ZeroWidthSpace);
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    /// <summary>
    /// Cuts a finished text to a sink's limit without splitting a surrogate pair or an HTML/Slack
    /// entity, marking the cut with an ellipsis.
    /// </summary>
    public static string Truncate(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }
        var cut = maxChars - 1;
        if (char.IsLowSurrogate(text[cut]))
        {
            cut--;
        }
        var amp = text.LastIndexOf('&', cut - 1, Math.Min(cut, 10));
        if (amp >= 0 && text.IndexOf(';', amp) >= cut)
        {
            cut = amp;
        }
        return string.Concat(text.AsSpan(0, cut), "…");
    }

    /// <summary>A duration as people read it: 850 ms, 4.2 s, 3 min 5 s, 1 h 2 min.</summary>
    public static string Duration(long milliseconds) => milliseconds switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{milliseconds} ms"),
        < 60_000 => string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 1000.0:0.#} s"),
        < 3_600_000 => string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 60_000} min {milliseconds / 1000 % 60} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 3_600_000} h {milliseconds / 60_000 % 60} min"),
    };

    /// <summary>A size in MiB as Ganeti operators write it: 512 MiB, 1.3 GiB, 2 TiB.</summary>
    public static string Size(long mebibytes) => mebibytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{mebibytes} MiB"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{mebibytes / 1024.0:0.#} GiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{mebibytes / (1024.0 * 1024):0.#} TiB"),
    };
}
