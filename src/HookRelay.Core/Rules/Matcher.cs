using System.Text;
using System.Text.RegularExpressions;

namespace HookRelay.Rules;

public enum MatchOp
{
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// <summary>
/// One Prometheus/Alertmanager matcher: name=\"v\", name!=\"v\", name=~\"re\", name!~\"re\".
/// As in Alertmanager, regular expressions are anchored at both ends and a missing attribute
/// reads as the empty string. An attribute may hold several values (tag, role): a positive
/// matcher needs one value to match, a negative one needs none to.
/// </summary>
public sealed class Matcher
{
    private readonly Regex? _regex;

    private Matcher(string name, MatchOp op, string value, Regex? regex)
    {
        Name = name;
        Op = op;
        Value = value;
        _regex = regex;
    }

    public string Name { get; }
    public MatchOp Op { get; }
    public string Value { get; }

    public bool Matches(IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            values = [""];
        }
        return Op switch
        {
            MatchOp.Equal => values.Any(v => v == Value),
            MatchOp.NotEqual => values.All(v => v != Value),
            MatchOp.Regex => values.Any(v => _regex!.IsMatch(v)),
            MatchOp.NotRegex => values.All(v => !_regex!.IsMatch(v)),
            _ => false,
        };
    }

    public override string ToString() => $"{Name}{OpText(Op)}\"{Escape(Value)}\"";

    /// <summary>The same equality matcher comparing with another value (regex matchers keep theirs).</summary>
    public Matcher WithValue(string value) => _regex is null ? new Matcher(Name, Op, value, null) : this;

    /// <summary>Parses one matcher; on failure says what was wrong and what was expected.</summary>
    public static bool TryParse(string text, out Matcher? matcher, out string error)
    {
        matcher = null;
        if (!TrySplit(text, out var name, out var op, out var rest))
        {
            error = $"'{text}' is not a matcher: expected name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\" with a name of letters, digits and _";
            return false;
        }
        var raw = rest.Trim();
        string value;
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"')
        {
            if (!TryUnquote(raw[1..^1], out value))
            {
                error = $"'{text}': the quoted value has an unfinished escape or an unescaped \" (write \\\" inside quotes)";
                return false;
            }
        }
        else if (raw.Contains('"', StringComparison.Ordinal))
        {
            error = $"'{text}': the value's quotes are unbalanced";
            return false;
        }
        else
        {
            value = raw;
        }
        Regex? regex = null;
        if (op is MatchOp.Regex or MatchOp.NotRegex)
        {
            try
            {
                regex = BoundedRegex.Create($"^(?:{value})$");
            }
            catch (ArgumentException e)
            {
                error = $"'{text}': invalid regular expression: {e.Message}";
                return false;
            }
        }
        matcher = new Matcher(name, op, value, regex);
        error = "";
        return true;
    }

    /// <summary>
    /// Name, operator and the rest: optional white space, a name of ASCII letters, digits and _
    /// not starting with a digit, optional white space, then =~, !~, != or =. Read by hand, not by
    /// a regular expression: every hook run binds its routes' matchers, and building the
    /// generated regex's tables cost more than the rest of the parse.
    /// </summary>
    internal static bool TrySplit(string text, out string name, out MatchOp op, out string rest)
    {
        name = rest = "";
        op = MatchOp.Equal;
        var at = 0;
        while (at < text.Length && char.IsWhiteSpace(text[at]))
        {
            at++;
        }
        var start = at;
        while (at < text.Length && (char.IsAsciiLetter(text[at]) || text[at] == '_' || (at > start && char.IsAsciiDigit(text[at]))))
        {
            at++;
        }
        if (at == start)
        {
            return false;
        }
        name = text[start..at];
        while (at < text.Length && char.IsWhiteSpace(text[at]))
        {
            at++;
        }
        var tail = text.AsSpan(at);
        (op, var length) = tail switch
        {
            _ when tail.StartsWith("=~") => (MatchOp.Regex, 2),
            _ when tail.StartsWith("!~") => (MatchOp.NotRegex, 2),
            _ when tail.StartsWith("!=") => (MatchOp.NotEqual, 2),
            _ when tail.StartsWith("=") => (MatchOp.Equal, 1),
            _ => (MatchOp.Equal, 0),
        };
        rest = text[(at + length)..];
        return length > 0;
    }

    private static bool TryUnquote(string inner, out string value)
    {
        var sb = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (c == '"')
            {
                value = "";
                return false;
            }
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (++i == inner.Length)
            {
                value = "";
                return false;
            }
            // Like Go's strconv.Unquote for the common escapes; anything else keeps its backslash,
            // so regular expressions such as "\d+" mean what they say.
            sb.Append(inner[i] switch
            {
                'n' => "\n",
                't' => "\t",
                '"' => "\"",
                '\\' => "\\",
                var other => "\\" + other,
            });
        }
        value = sb.ToString();
        return true;
    }

    private static string OpText(MatchOp op) => op switch
    {
        MatchOp.Equal => "=",
        MatchOp.NotEqual => "!=",
        MatchOp.Regex => "=~",
        _ => "!~",
    };

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);
}
