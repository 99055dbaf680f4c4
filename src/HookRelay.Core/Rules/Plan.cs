using HookRelay.Events;

namespace HookRelay.Rules;

/// <summary>Whether one route, gate or action applies to this event on this node, and why.</summary>
public sealed record Decision(string Kind, string Name, bool Applies, string Reason);

/// <summary>One event to hand to one sink because a route said so.</summary>
public sealed record PlannedDelivery(string Route, string Sink);

/// <summary>What HookRelay will do for one event on one node: deterministic and explainable.</summary>
public sealed record Plan(
    HookEvent Event,
    IReadOnlyList<Decision> Routes,
    IReadOnlyList<Decision> Gates,
    IReadOnlyList<Decision> Actions,
    IReadOnlyList<PlannedDelivery> Deliveries)
{
    public IEnumerable<Decision> All => Routes.Concat(Gates).Concat(Actions);

    public bool IsEmpty => Deliveries.Count == 0 && !Gates.Any(g => g.Applies) && !Actions.Any(a => a.Applies);
}
