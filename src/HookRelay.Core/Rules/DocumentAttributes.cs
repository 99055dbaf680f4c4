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
    private Dictionary<string, string>? _raw;

    public IReadOnlyList<string> ValuesOf(string name)
    {
        if (EventFields.Find(name) is { } field)
        {
            return field.OfDocument(view);
        }
        _raw ??= EventAttributes.BuildRaw(view.Data.ValueKind == JsonValueKind.Object && view.Data.TryGetProperty("env", out var env)
            && env.ValueKind == JsonValueKind.Object
                ? env.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.String).Select(v => KeyValuePair.Create(v.Name, v.Value.GetString()!))
                : []);
        return _raw.TryGetValue(name, out var value) ? [value] : [];
    }
}
