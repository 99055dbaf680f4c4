using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// Asks the http policies of <paramref name="gates"/> about <paramref name="ev"/> within
/// <paramref name="budget"/>: one verdict per gate, in order. hookrelay asks in process; the lean
/// hook, which has no HTTP stack (it would slow every hook's start), has hookrelay ask for it
/// (<see cref="PolicyAsker"/>).
/// </summary>
public delegate IReadOnlyList<GateVerdict> HttpPolicyAsk(IReadOnlyList<GateConfig> gates, HookEvent ev, DateTimeOffset now,
    TimeSpan budget, CancellationToken cancellationToken);
