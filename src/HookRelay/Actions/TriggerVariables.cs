using System.Text.Json;
using HookRelay.Sinks.Messages;

namespace HookRelay.Actions;

/// <summary>The GANETI_* variables of the hook run that triggered an action, by name without the prefix.</summary>
public sealed class TriggerVariables(EventView trigger)
{
    public string? this[string name] =>
        trigger.Data.ValueKind == JsonValueKind.Object && trigger.Data.TryGetProperty("env", out var env)
            && env.ValueKind == JsonValueKind.Object && env.TryGetProperty(Events.HookEventParser.Prefix + name, out var value)
            && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
}
