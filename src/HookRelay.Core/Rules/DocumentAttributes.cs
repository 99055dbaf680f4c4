using System.Text.Json;
using HookRelay.Sinks.Messages;

namespace HookRelay.Rules;

/// <summary>
/// What matchers read of an event the daemon holds as a CloudEvent (HookRelay's own events, an
/// action's outcome): the same names as <see cref="EventAttributes"/> reads from a hook run,
/// through each field's document reading, and the GANETI_* variables the data carries.
/// </summary>
public sealed class DocumentAttributes(EventView view) : IEventAttributes
{
    public IReadOnlyList<string> ValuesOf(string name)
    {
        if (EventFields.Find(name) is { } field)
        {
            return field.OfDocument(view);
        }
        if (view.Data.ValueKind == JsonValueKind.Object && view.Data.TryGetProperty("env", out var env) && env.ValueKind == JsonValueKind.Object)
        {
            foreach (var variable in env.EnumerateObject())
            {
                if (variable.Name.Length > Events.HookEventParser.Prefix.Length
                    && variable.Name.AsSpan(Events.HookEventParser.Prefix.Length).Equals(name, StringComparison.OrdinalIgnoreCase)
                    && variable.Value.GetString() is { } value)
                {
                    return [EventAttributes.AsRead(value)];
                }
            }
        }
        return [];
    }
}
