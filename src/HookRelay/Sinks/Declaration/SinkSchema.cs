using System.Text.Json.Nodes;

namespace HookRelay.Sinks.Declaration;

/// <summary>
/// The schema's definition of a sink ($defs.sink in schema/hookrelay.schema.json), generated from
/// the declared sink types. The published file holds its output (a test keeps them equal), so
/// editors, config check and the hook, which cannot load sink code, all read the same rules.
/// </summary>
public static class SinkSchema
{
    public static JsonObject Definition(IReadOnlyList<SinkType> types, IReadOnlyList<string> planned) => new()
    {
        ["type"] = "object",
        ["required"] = new JsonArray("type"),
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject
            {
                ["type"] = "string",
                ["enum"] = Array(types.Select(t => t.Name)),
                [Rules.SchemaValidator.PlannedAnnotation] = Array(planned),
                ["description"] = $"The kind of sink. This version delivers to: {string.Join(", ", types.Select(t => t.Name))}."
                    + (planned.Count > 0 ? $" Planned, not in this version: {string.Join(", ", planned)}." : ""),
            },
        },
        ["allOf"] = new JsonArray([.. types.Select(Branch)]),
    };

    private static JsonObject Branch(SinkType type)
    {
        var properties = new JsonObject { ["type"] = true };
        foreach (var key in type.Keys)
        {
            properties[key.Name] = Property(key);
        }
        return new JsonObject
        {
            ["if"] = new JsonObject { ["properties"] = new JsonObject { ["type"] = new JsonObject { ["const"] = type.Name } } },
            ["then"] = new JsonObject
            {
                ["additionalProperties"] = false,
                ["required"] = Array(type.Keys.Where(k => k.Required).Select(k => k.Name)),
                ["properties"] = properties,
            },
        };
    }

    /// <summary>One declared setting's schema (sinks' and actions' alike).</summary>
    public static JsonObject Property(SinkKey key)
    {
        var property = key.Shape switch
        {
            KeyShape.Text => Text(key),
            KeyShape.Flag => new JsonObject { ["type"] = "boolean" },
            KeyShape.WholeNumber => WholeNumber(key),
            KeyShape.Number => new JsonObject { ["type"] = "number" },
            KeyShape.Duration => new JsonObject { ["$ref"] = "#/$defs/duration" },
            KeyShape.TextList => List(key, Text(key with { Choices = null })),
            KeyShape.WholeNumberList => List(key, WholeNumber(key)),
            KeyShape.TextMap => Map(key),
            KeyShape.Group => new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = false,
                ["properties"] = new JsonObject([.. key.Children.Select(c => KeyValuePair.Create(c.Name, (JsonNode?)Property(c)))]),
            },
            KeyShape.Shared => new JsonObject { ["$ref"] = $"#/$defs/{key.Definition}" },
            _ => throw new ArgumentOutOfRangeException(nameof(key), key.Shape, "a key shape the schema generator does not know"),
        };
        if (key.IsTemplate)
        {
            property[Rules.SinkTemplateKeys.Annotation] = true;
        }
        if (key.Description is { } description)
        {
            property["description"] = description;
        }
        return property;
    }

    private static JsonObject Text(SinkKey key)
    {
        var text = new JsonObject { ["type"] = "string" };
        if (key.Choices is { } choices)
        {
            text["enum"] = Array(choices);
        }
        if (key.MinLength is { } minLength)
        {
            text["minLength"] = minLength;
        }
        if (key.Pattern is { } pattern)
        {
            text["pattern"] = pattern;
        }
        return text;
    }

    private static JsonObject WholeNumber(SinkKey key)
    {
        var number = new JsonObject { ["type"] = "integer" };
        if (key.Minimum is { } minimum)
        {
            number["minimum"] = minimum;
        }
        return number;
    }

    private static JsonObject List(SinkKey key, JsonObject items)
    {
        var list = new JsonObject { ["type"] = "array" };
        if (key.MinItems is { } minItems)
        {
            list["minItems"] = minItems;
        }
        list["items"] = items;
        return list;
    }

    private static JsonObject Map(SinkKey key)
    {
        var map = new JsonObject { ["type"] = "object" };
        if (key.NamePattern is { } pattern)
        {
            map["propertyNames"] = new JsonObject { ["pattern"] = pattern };
        }
        map["additionalProperties"] = new JsonObject { ["type"] = "string" };
        return map;
    }

    public static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
