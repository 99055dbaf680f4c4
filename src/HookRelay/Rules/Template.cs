using System.Text;
using System.Text.Json;

namespace HookRelay.Rules;

/// <summary>
/// A small text template over the CloudEvent being delivered: literal text with
/// <c>{{ path }}</c> holes, where a path walks the event's JSON (<c>id</c>, <c>type</c>,
/// <c>data.instance.name</c>, <c>data.instance.disks.0.size_mib</c>). A missing path renders as
/// nothing. Every value goes through the escaper of the target, so a hostile instance tag cannot
/// break out of a JSON string. <c>{{{{</c> writes a literal <c>{{</c>.
/// </summary>
public sealed class Template
{
    private readonly List<(string Text, string[]? Path)> _parts;

    private Template(List<(string, string[]?)> parts) => _parts = parts;

    /// <summary>Escapes a value for where it lands.</summary>
    public enum Escaping
    {
        /// <summary>Inside a JSON string: quotes, backslashes and control characters escaped.</summary>
        JsonString,
        None,
    }

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

    public static Template Parse(string text) =>
        TryParse(text, out var template, out var problem) ? template! : throw new FormatException(problem);

    public string Render(JsonElement root, Escaping escaping)
    {
        var output = new StringBuilder();
        foreach (var (text, path) in _parts)
        {
            if (path is null)
            {
                output.Append(text);
            }
            else if (Resolve(root, path) is { } value)
            {
                output.Append(escaping == Escaping.JsonString ? JsonEncodedText.Encode(value, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value : value);
            }
        }
        return output.ToString();
    }

    private static string? Resolve(JsonElement element, string[] path)
    {
        foreach (var step in path)
        {
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(step, out var child))
            {
                element = child;
            }
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(step, out var index) && index >= 0 && index < element.GetArrayLength())
            {
                element = element[index];
            }
            else
            {
                return null;
            }
        }
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.Array => string.Join(", ", element.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
            _ => element.GetRawText(),
        };
    }
}
