using System.Text.Json;
using HookRelay.Logging;

namespace HookRelay.Gates;

/// <summary>
/// Reads a policy server's decision. Two shapes are understood:
/// OPA's Data API, where the decision is under "result" (a boolean, an object with "allow" and a
/// reason, or a set of denial messages such as a `deny[msg]` rule gives), and a plain JSON service
/// answering the same object at the top level. Anything else is a malformed answer, never a
/// silent allow: the gate's on_error decides it.
/// </summary>
public static class PolicyAnswer
{
    private const int MaxReason = 300;

    public readonly record struct Decision(bool Allow, string Reason);

    /// <exception cref="FormatException">The answer is not a decision; the message says what was wrong.</exception>
    public static Decision Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new FormatException($"the answer is not JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"the answer is a JSON {Kind(root)}, not an object");
            }
            if (root.TryGetProperty("result", out var result))
            {
                return FromValue(result, "result");
            }
            if (root.TryGetProperty("allow", out _) || root.TryGetProperty("deny", out _))
            {
                return FromValue(root, "the answer");
            }
            // OPA answers {} when the document in the URL is not defined: a wrong path or a policy not loaded.
            throw new FormatException("the answer has no \"result\" (for OPA: the policy path in the URL is not defined) and no \"allow\"");
        }
    }

    private static Decision FromValue(JsonElement value, string what) => value.ValueKind switch
    {
        JsonValueKind.True => new Decision(true, "the policy allowed it"),
        JsonValueKind.False => new Decision(false, "the policy denied it (no reason given)"),
        JsonValueKind.Array => FromDenials(value, what),
        JsonValueKind.Object => FromObject(value, what),
        _ => throw new FormatException($"{what} is a JSON {Kind(value)}; expected true/false, an object with \"allow\", or a list of denial messages"),
    };

    private static Decision FromObject(JsonElement value, string what)
    {
        if (value.TryGetProperty("allow", out var allow))
        {
            if (allow.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw new FormatException($"{what}.allow is a JSON {Kind(allow)}, not true or false");
            }
            var reason = Reason(value);
            return allow.ValueKind == JsonValueKind.True
                ? new Decision(true, reason ?? "the policy allowed it")
                : new Decision(false, reason ?? "the policy denied it (no reason given)");
        }
        if (value.TryGetProperty("deny", out var deny))
        {
            return FromDenials(deny, $"{what}.deny");
        }
        throw new FormatException($"{what} has neither \"allow\" nor \"deny\"");
    }

    /// <summary>A set of denial messages: empty allows, anything else denies with the messages as the reason.</summary>
    private static Decision FromDenials(JsonElement list, string what)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{what} is a JSON {Kind(list)}, not a list of messages");
        }
        var messages = list.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m.GetRawText()).ToList();
        return messages.Count == 0
            ? new Decision(true, "no policy rule denied it")
            : new Decision(false, Clip(string.Join("; ", messages)));
    }

    private static string? Reason(JsonElement value)
    {
        foreach (var key in (ReadOnlySpan<string>)["reason", "message", "msg"])
        {
            if (value.TryGetProperty(key, out var text) && text.ValueKind == JsonValueKind.String && text.GetString() is { Length: > 0 } reason)
            {
                return Clip(reason);
            }
        }
        foreach (var key in (ReadOnlySpan<string>)["reasons", "deny", "violations"])
        {
            if (value.TryGetProperty(key, out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0)
            {
                return Clip(string.Join("; ", list.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString() : m.GetRawText())));
            }
        }
        return null;
    }

    // The reason ends up in the job log and on one line of `gnt-instance add` output.
    private static string Clip(string reason)
    {
        var line = HookLog.OneLine(reason);
        return line.Length <= MaxReason ? line : line[..MaxReason] + "…";
    }

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();
}
