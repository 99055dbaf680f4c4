using HookRelay.Events;

namespace HookRelay.Rules;

/// <summary>Decides, for one event on one node, which routes, gates and actions apply. Pure: no I/O.</summary>
public static class Planner
{
    public static Plan Plan(HookRelayConfig config, HookEvent ev)
    {
        var attributes = new EventAttributes(ev);
        var routes = config.Routes.Select(r => Decide("route", r.Name, r.OnNode, r.Matchers, ev, attributes)).ToList();
        var gates = config.Gates.Select(g => Decide("gate", g.Name, g.OnNode, g.Matchers, ev, attributes) is var d
            && d.Applies && ev.Phase != "pre"
                ? d with { Applies = false, Reason = "gates only run in the pre phase" }
                : d).ToList();
        var actions = config.Actions.Select(a => DecideAction(a, ev, attributes)).ToList();
        var deliveries = new List<PlannedDelivery>();
        for (var i = 0; i < routes.Count; i++)
        {
            if (routes[i].Applies)
            {
                deliveries.AddRange(config.Routes[i].To.Select(sink => new PlannedDelivery(config.Routes[i].Name, sink)));
            }
        }
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i].Applies && config.Actions[i].Runs)
            {
                deliveries.Add(new PlannedDelivery(ActionDestination.Route, ActionDestination.For(config.Actions[i].Name)));
            }
        }
        return new Plan(ev, routes, gates, actions, deliveries);
    }

    /// <summary>
    /// Where one of HookRelay's own events goes (an action's outcome): to the routes that ask for
    /// its kind by name (kind="action"), so no route written for Ganeti's events gets them
    /// unasked. It exists only on the node that produced it, so on_node does not apply; gates and
    /// actions never take it.
    /// </summary>
    public static List<PlannedDelivery> PlanOwnEvent(HookRelayConfig config, IEventAttributes attributes) =>
        [.. config.Routes
            .Where(r => r.Matchers.Any(m => m.Name == EventFields.KindName) && r.Matchers.All(m => m.Matches(attributes.ValuesOf(m.Name))))
            .SelectMany(r => r.To.Select(sink => new PlannedDelivery(r.Name, sink)))];

    /// <summary>Only hook and phase are known before an event exists; any other matcher may still match.</summary>
    /// <summary>
    /// Whether matchers may hold for some run of this hooks path and phase, judged by what is known
    /// before the run: the path, the phase, and whether a gate can decide there (<paramref name="gated"/>;
    /// without one, verdict, denied_by and gate_failed are empty). Other attributes may hold.
    /// </summary>
    public static bool MayMatch(IReadOnlyList<Matcher> matchers, string hook, string phase, bool gated = true) =>
        matchers.All(m => m.Name switch
        {
            "hook" => m.Matches([hook]),
            "phase" => m.Matches([phase]),
            // A hook run is always of kind hook; HookRelay's own events are planned by PlanOwnEvent.
            EventFields.KindName => m.Matches([EventFields.HookKind]),
            "verdict" or "denied_by" or "gate_failed" when !gated => m.Matches([]),
            _ => true,
        });

    /// <summary>Whether some gate may decide a run of this hooks path and phase (only pre runs have verdicts).</summary>
    public static bool MayBeGated(HookRelayConfig config, string hook, string phase) =>
        phase == "pre" && config.Gates.Any(g => MayMatch(g.Matchers, hook, phase));

    /// <summary>Whether some route may take a run of this hooks path and phase.</summary>
    public static bool MayRoute(HookRelayConfig config, string hook, string phase)
    {
        var gated = MayBeGated(config, hook, phase);
        return config.Routes.Any(r => MayMatch(r.Matchers, hook, phase, gated));
    }

    /// <summary>
    /// Whether some route may take this operation's post event: then its pre run notes the start
    /// time, so the post event can carry the operation's duration.
    /// </summary>
    public static bool WantsTiming(HookRelayConfig config, string hook) => MayRoute(config, hook, "post");

    private static Decision Decide(string kind, string name, OnNode onNode, IReadOnlyList<Matcher> matchers,
        HookEvent ev, IEventAttributes attributes)
    {
        foreach (var matcher in matchers)
        {
            if (!matcher.Matches(attributes.ValuesOf(matcher.Name)))
            {
                return new Decision(kind, name, false, $"{matcher} does not match ({matcher.Name} is \"{attributes.TextOf(matcher.Name)}\")");
            }
        }
        var (onThisNode, why) = NodeSelection.Check(onNode, ev);
        return new Decision(kind, name, onThisNode, why);
    }

    private static Decision DecideAction(ActionConfig action, HookEvent ev, EventAttributes attributes)
    {
        if (!action.Enabled)
        {
            return new Decision("action", action.Name, false, "disabled");
        }
        if (NodeActionTriggers.Find(action.Name) is not { } trigger)
        {
            return new Decision("action", action.Name, false, "unknown action");
        }
        // The first clause that applies decides; else the one whose matchers held (its node did not), else the first.
        var decisions = trigger.Clauses.Select(c => Decide("action", action.Name, c.OnNode, [.. c.Matchers, .. action.Matchers], ev, attributes)).ToList();
        var decision = decisions.FirstOrDefault(d => d.Applies)
            ?? decisions.FirstOrDefault(d => d.Reason.StartsWith("this node", StringComparison.Ordinal))
            ?? decisions[0];
        return decision.Applies && !action.Runs
            ? decision with { Reason = $"{decision.Reason}; not run by this version" }
            : decision;
    }
}
