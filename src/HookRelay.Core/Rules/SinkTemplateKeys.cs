using System.Text.Json;

namespace HookRelay.Rules;

/// <summary>
/// Which settings of each sink type are templates over the event ({{ instance.name }}), as the
/// schema marks them ("x-template": true). The sink types declare it (HookRelay's
/// Sinks/Declaration, from which the schema's sink definition is generated); the hook cannot load
/// sink code, so it reads the mark from the schema it validates against.
/// </summary>
internal static class SinkTemplateKeys
{
    public const string Annotation = "x-template";

    private static Dictionary<string, HashSet<string>>? _byType;

    /// <summary>Whether the flattened <paramref name="setting"/> ("tags[0]", "labels.team", "body") is a template.</summary>
    public static bool IsTemplate(string sinkType, string setting)
    {
        _byType ??= Read(ConfigLoader.Schema);
        return _byType.TryGetValue(sinkType, out var keys) && keys.Contains(SinkConfig.TopKey(setting));
    }

    private static Dictionary<string, HashSet<string>> Read(JsonElement schema)
    {
        var byType = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var branch in schema.GetProperty("$defs").GetProperty("sink").GetProperty("allOf").EnumerateArray())
        {
            var type = branch.GetProperty("if").GetProperty("properties").GetProperty("type").GetProperty("const").GetString()!;
            byType[type] = [.. branch.GetProperty("then").GetProperty("properties").EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty(Annotation, out var mark) && mark.ValueKind == JsonValueKind.True)
                .Select(p => p.Name)];
        }
        return byType;
    }
}
