using System.Text;
using System.Text.RegularExpressions;

namespace HookRelay.Rules;

/// <summary>
/// Secrets by reference: ${file:/etc/hookrelay/slack.url} (the file's content, trailing newline
/// removed) and ${env:NAME}; $${ writes a literal ${. Values are resolved only where a sink is
/// built, never printed: errors name the reference, not what it holds.
/// </summary>
public static partial class SecretReferences
{
    public static bool HasReference(string raw) => Reference().IsMatch(raw);

    /// <summary>Every file a text's ${file:...} references name (a $${ is no reference), in order, once each.</summary>
    public static IReadOnlyList<string> Files(string raw) =>
        [.. Reference().Matches(raw).Where(m => m.Groups["kind"].Value == "file" && (m.Index == 0 || raw[m.Index - 1] != '$'))
            .Select(m => m.Groups["what"].Value).Distinct(StringComparer.Ordinal)];

    /// <summary>Checks the syntax of every reference in a value; returns a message for the first bad one.</summary>
    public static string? SyntaxError(string raw)
    {
        var index = 0;
        while ((index = raw.IndexOf("${", index, StringComparison.Ordinal)) >= 0)
        {
            if (index > 0 && raw[index - 1] == '$')
            {
                index += 2;
                continue;
            }
            var match = Reference().Match(raw, index);
            if (!match.Success || match.Index != index)
            {
                return "a '${' that is not a secret reference: write ${file:/path} or ${env:NAME} (or $${ for a literal ${)";
            }
            index = match.Index + match.Length;
        }
        return null;
    }

    /// <summary>Replaces each reference by the secret it names; throws naming the reference when it cannot.</summary>
    public static string Resolve(string raw, Func<string, string?>? readEnv = null)
    {
        readEnv ??= Environment.GetEnvironmentVariable;
        if (!raw.Contains("${", StringComparison.Ordinal))
        {
            return raw;
        }
        var result = Reference().Replace(raw, m =>
        {
            if (m.Index > 0 && raw[m.Index - 1] == '$')
            {
                return m.Value;
            }
            var kind = m.Groups["kind"].Value;
            var what = m.Groups["what"].Value;
            if (kind == "env")
            {
                return readEnv(what) ?? throw new SecretException($"secret ${{env:{what}}}: the variable {what} is not set");
            }
            try
            {
                return File.ReadAllText(what, Encoding.UTF8).TrimEnd('\r', '\n');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SecretException($"secret ${{file:{what}}}: cannot read the file ({e.GetType().Name})");
            }
        });
        return result.Replace("$${", "${", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\$\{(?<kind>file|env):(?<what>[^}\s]+)\}")]
    private static partial Regex Reference();
}

public sealed class SecretException(string message) : Exception(message);
