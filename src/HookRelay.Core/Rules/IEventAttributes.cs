namespace HookRelay.Rules;

/// <summary>What matchers read of an event: each name's values (<see cref="EventFields"/>, then GANETI_* variables).</summary>
public interface IEventAttributes
{
    IReadOnlyList<string> ValuesOf(string name);

    /// <summary>The single value of an attribute, or the empty string, as Alertmanager reads a missing label.</summary>
    string TextOf(string name) => ValuesOf(name) is { Count: > 0 } values ? string.Join(" ", values) : "";
}
