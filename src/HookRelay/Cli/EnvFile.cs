using System.Text.Json;

namespace HookRelay.Cli;

/// <summary>
/// Hook environments for simulate: a capture as the Ganeti lab writes it (a JSON object with an
/// "env" object), a plain JSON object of variables, or KEY=VALUE lines as `env` prints them.
/// </summary>
public static class EnvFile
{
    public static SortedDictionary<string, string> Read(string path)
    {
        var text = File.ReadAllText(path);
        return text.TrimStart().StartsWith('{') ? FromJson(text, path) : FromLines(text, path);
    }

    private static SortedDictionary<string, string> FromJson(string text, string path)
    {
        var vars = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var env = doc.RootElement.TryGetProperty("env", out var inner) && inner.ValueKind == JsonValueKind.Object
                ? inner
                : doc.RootElement;
            foreach (var property in env.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"{path}: variable {property.Name} is {property.Value.ValueKind}, expected a string");
                }
                vars[property.Name] = property.Value.GetString()!;
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON: {e.Message}", e);
        }
        return vars;
    }

    private static SortedDictionary<string, string> FromLines(string text, string path)
    {
        var vars = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }
            var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"{path}:{lineNumber}: expected KEY=VALUE, found '{trimmed}'");
            }
            vars[trimmed[..eq]] = trimmed[(eq + 1)..];
        }
        return vars;
    }
}
