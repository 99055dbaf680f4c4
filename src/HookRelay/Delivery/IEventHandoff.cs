using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Delivery;

/// <summary>A delivery that did not happen, and why.</summary>
public sealed record DeliveryProblem(string Sink, string Reason);

/// <summary>
/// The seam between the hook and delivery: the hook hands over one event and the sinks it goes
/// to. The durable outbox plugs in here; until then <see cref="DirectDelivery"/> writes inline.
/// </summary>
public interface IEventHandoff
{
    ValueTask<IReadOnlyList<DeliveryProblem>> EnqueueAsync(CloudEvent ev, IReadOnlyList<PlannedDelivery> deliveries,
        CancellationToken cancellationToken);
}
