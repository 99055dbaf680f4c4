using System.Text.Json.Nodes;
using HookRelay.Sinks.Declaration;

namespace HookRelay.Actions;

/// <summary>
/// The schema's definition of actions ($defs.actions in schema/hookrelay.schema.json), generated
/// from the declared action types like the sinks' (a test keeps the file equal to it). Actions a
/// later version runs are listed under "x-planned".
/// </summary>
public static class ActionSchema
{
    public static JsonObject Definition(IReadOnlyList<ActionType> types) => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = false,
        [Rules.SchemaValidator.PlannedAnnotation] = SinkSchema.Array(types.Where(t => !t.Runs).Select(t => t.Name)),
        ["description"] = "Node actions, run by the daemon of the node an operation concerns; their outcomes are events (kind=\"action\"). "
            + $"This version runs: {string.Join(", ", types.Where(t => t.Runs).Select(t => t.Name))}. "
            + $"Planned, shown by simulate: {string.Join(", ", types.Where(t => !t.Runs).Select(t => t.Name))}.",
        ["properties"] = new JsonObject([.. types.Select(type => KeyValuePair.Create(type.Name, (JsonNode?)new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["description"] = $"{type.Trigger.Description}: after {string.Join("; or after ", type.Trigger.Clauses)}",
            ["properties"] = new JsonObject([.. type.Keys.Select(key => KeyValuePair.Create(key.Name, (JsonNode?)SinkSchema.Property(key)))]),
        }))]),
    };
}
