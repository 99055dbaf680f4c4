using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Sinks;

namespace HookRelay.Delivery;

/// <summary>Delivers inline, in the hook, to local sinks only. What fails is reported, not retried.</summary>
public sealed class DirectDelivery(HookRelayConfig config) : IEventHandoff
{
    public async ValueTask<IReadOnlyList<DeliveryProblem>> EnqueueAsync(CloudEvent ev,
        IReadOnlyList<PlannedDelivery> deliveries, CancellationToken cancellationToken)
    {
        var problems = new List<DeliveryProblem>();
        var body = ev.ToJsonUtf8();
        // Two routes naming one sink deliver the event to it once.
        foreach (var group in deliveries.GroupBy(d => d.Sink, StringComparer.Ordinal))
        {
            var message = new SinkMessage(ev.Id, string.Join(",", group.Select(d => d.Route)), ev.Type, body);
            try
            {
                var sink = SinkFactory.Create(config.Sinks[group.Key]);
                var result = await sink.DeliverAsync(message, cancellationToken).ConfigureAwait(false);
                switch (result)
                {
                    case DeliveryResult.Retry retry:
                        problems.Add(new DeliveryProblem(group.Key, retry.Reason));
                        break;
                    case DeliveryResult.Failed failed:
                        problems.Add(new DeliveryProblem(group.Key, failed.Reason));
                        break;
                }
            }
            catch (Exception e) when (e is SecretException or InvalidOperationException)
            {
                problems.Add(new DeliveryProblem(group.Key, e.Message));
            }
        }
        return problems;
    }
}
