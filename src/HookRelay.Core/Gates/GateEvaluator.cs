using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// Runs the gates a plan says apply, in configuration order. Every applying gate gets a verdict;
/// the operation is denied when any gate denies. Local policies run first; a gate whose local
/// policies pass and that has an http policy then asks its server, all servers at once, within
/// the gate's timeout and the gate budget. A gate that cannot decide is decided by its on_error,
/// never by accident.
/// </summary>
public static class GateEvaluator
{
    /// <summary>
    /// Runs the gates, attaches their verdicts to the event and plans again, so that routes can
    /// send denials (verdict="deny") to chat and the timeline like any other event.
    /// </summary>
    public static (Plan Plan, IReadOnlyList<GateVerdict> Verdicts) Decide(HookRelayConfig config, Plan plan, DateTimeOffset now,
        HttpPolicyAsk askHttpPolicies, CancellationToken cancellationToken = default)
    {
        var verdicts = Evaluate(config, plan, now, askHttpPolicies, cancellationToken);
        if (verdicts.Count == 0)
        {
            return (plan, verdicts);
        }
        var ev = plan.Event with { Gates = [.. verdicts.Select(v => v.ToResult())] };
        return (Planner.Plan(config, ev), verdicts);
    }

    public static IReadOnlyList<GateVerdict> Evaluate(HookRelayConfig config, Plan plan, DateTimeOffset now,
        HttpPolicyAsk askHttpPolicies, CancellationToken cancellationToken = default)
    {
        var attributes = new EventAttributes(plan.Event);
        var verdicts = new List<GateVerdict>();
        var asks = new List<(int Index, GateConfig Gate)>();
        for (var i = 0; i < config.Gates.Count; i++)
        {
            if (!plan.Gates[i].Applies)
            {
                continue;
            }
            var gate = config.Gates[i];
            var local = Evaluate(gate, plan.Event, attributes, now);
            if (local.Allowed && local.Outcome == GateOutcome.Allow && gate.Remote is not null)
            {
                asks.Add((verdicts.Count, gate));
            }
            verdicts.Add(local);
        }
        if (asks.Count > 0)
        {
            // Only now does a hook need HTTP: most runs never get here.
            var answers = askHttpPolicies([.. asks.Select(a => a.Gate)], plan.Event, now, config.Hook.GateBudget, cancellationToken);
            for (var i = 0; i < asks.Count; i++)
            {
                verdicts[asks[i].Index] = answers[i];
            }
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
                return GateVerdict.Undecided(gate.Name, GateOutcome.Error, $"could not decide ({e.GetType().Name}: {e.Message})", gate.OnError);
            }
            if (denial is not null)
            {
                return GateVerdict.Deny(gate.Name, denial);
            }
        }
        return GateVerdict.Allow(gate.Name, gate.Policies.Count == 0 ? "no local policy" : "every policy passed");
    }
}
