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

/// <summary>How a gate came to its decision: it decided (allow, deny), or it could not and on_error decided.</summary>
public enum GateOutcome
{
    Allow,
    Deny,
    Error,
    Timeout,
}

/// <summary>What one gate decided, and why, in a sentence an operator reads in `gnt-instance add` output.</summary>
public sealed record GateVerdict(string Gate, GateOutcome Outcome, bool Allowed, string Reason)
{
    public static GateVerdict Allow(string gate, string reason) => new(gate, GateOutcome.Allow, true, reason);

    public static GateVerdict Deny(string gate, string reason) => new(gate, GateOutcome.Deny, false, reason);

    /// <summary>The gate could not decide (error or timeout): its on_error decides, and the reason says so.</summary>
    public static GateVerdict Undecided(string gate, GateOutcome outcome, string problem, ErrorPolicy onError) =>
        new(gate, outcome, onError == ErrorPolicy.Allow, $"{problem}; on_error: {(onError == ErrorPolicy.Allow ? "allow" : "deny")}");

    /// <summary>"allow", "deny", "error" or "timeout", as events and simulate show it.</summary>
    public string Name => Outcome switch
    {
        GateOutcome.Allow => "allow",
        GateOutcome.Deny => "deny",
        GateOutcome.Error => "error",
        _ => "timeout",
    };

    public string Sentence => Allowed ? $"allowed by gate '{Gate}'" : $"denied by gate '{Gate}': {Reason}";

    public GateResult ToResult() => new(Gate, Name, Allowed, Reason);
}
