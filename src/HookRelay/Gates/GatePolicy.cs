using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// One check a gate makes. Returns why the operation must be denied, or null to let it pass.
/// Local policies are pure and fast: they run inside the pre hook, which holds Ganeti's locks.
/// </summary>
public interface IGatePolicy
{
    string? Deny(HookEvent ev, EventAttributes attributes, DateTimeOffset now);
}

/// <summary>What one gate decided, and why, in a sentence an operator reads in `gnt-instance add` output.</summary>
public sealed record GateVerdict(string Gate, bool Allowed, string Reason)
{
    public string Sentence => Allowed ? $"allowed by gate '{Gate}'" : $"denied by gate '{Gate}': {Reason}";
}
