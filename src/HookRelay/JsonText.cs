using System.Text.Json;

namespace HookRelay;

/// <summary>Reading the JSON other programs answer (QMP, RAPI, our own events), where a field may be missing, null or of another kind.</summary>
public static class JsonText
{
    /// <summary>The property's string value, or null when it is absent or not a string.</summary>
    public static string? StringOf(this JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The property's string value, or "" (a journal line's field, a label).</summary>
    public static string TextOf(this JsonElement element, string property) => element.StringOf(property) ?? "";
}
