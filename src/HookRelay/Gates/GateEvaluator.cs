using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// Runs the gates a plan says apply, in configuration order. Every applying gate gets a verdict;
/// the operation is denied when any gate denies. A policy that throws is the gate's error and
/// decides by its on_error, never by accident.
/// </summary>
public static class GateEvaluator
{
    /// <summary>
    /// Runs the gates, attaches their verdicts to the event and plans again, so that routes can
    /// send denials (verdict="deny") to chat and the timeline like any other event.
    /// </summary>
    public static (Plan Plan, IReadOnlyList<GateVerdict> Verdicts) Decide(HookRelayConfig config, Plan plan, DateTimeOffset now)
    {
        var verdicts = Evaluate(config, plan, now);
        if (verdicts.Count == 0)
        {
            return (plan, verdicts);
        }
        var ev = plan.Event with { Gates = [.. verdicts.Select(v => new GateResult(v.Gate, v.Allowed ? "allow" : "deny", v.Reason))] };
        return (Planner.Plan(config, ev), verdicts);
    }

    public static IReadOnlyList<GateVerdict> Evaluate(HookRelayConfig config, Plan plan, DateTimeOffset now)
    {
        var attributes = new EventAttributes(plan.Event);
        var verdicts = new List<GateVerdict>();
        for (var i = 0; i < config.Gates.Count; i++)
        {
            if (!plan.Gates[i].Applies)
            {
                continue;
            }
            var gate = config.Gates[i];
            verdicts.Add(Evaluate(gate, plan.Event, attributes, now));
        }
        return verdicts;
    }

    public static GateVerdict Evaluate(GateConfig gate, HookEvent ev, EventAttributes attributes, DateTimeOffset now)
    {
        foreach (var policy in gate.Policies)
        {
            string? denial;
            try
            {
                denial = policy.Deny(ev, attributes, now);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var allowed = gate.OnError == ErrorPolicy.Allow;
                return new GateVerdict(gate.Name, allowed, $"could not decide ({e.GetType().Name}: {e.Message}); on_error: {(allowed ? "allow" : "deny")}");
            }
            if (denial is not null)
            {
                return new GateVerdict(gate.Name, false, denial);
            }
        }
        return new GateVerdict(gate.Name, true, "every policy passed");
    }
}
