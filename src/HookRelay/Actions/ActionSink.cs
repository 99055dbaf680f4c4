using System.Collections.Concurrent;
using HookRelay.Delivery;
using HookRelay.Logging;
using HookRelay.Outbox;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;

namespace HookRelay.Actions;

/// <summary>
/// A node action as the daemon drives it: a destination like a sink ("action:disk_resize"), so
/// it gets a lane with a timeout, retries with backoff, ordering per instance, dead letters and
/// replay. A failure worth retrying is retried; one that is not is a dead letter at once. How each
/// run ended is published as an event of its own (<see cref="ActionOutcomeEvent"/>), logged, and
/// kept for `status` (<see cref="ActionJournal"/>).
/// </summary>
public sealed class ActionSink(INodeAction action, OwnEvents ownEvents) : IFinalOutcomeSink
{
    private readonly ConcurrentDictionary<string, ActionOutcome> _decided = new(StringComparer.Ordinal);

    public string Name { get; } = ActionDestination.For(action.Name);

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        ActionOutcome outcome;
        using (var trigger = message.View())
        {
            outcome = await action.RunAsync(trigger, cancellationToken).ConfigureAwait(false);
        }
        _decided[message.EventId] = outcome;
        return outcome switch
        {
            ActionOutcome.Failed { Retry: true } failed => new DeliveryResult.Retry(failed.Error),
            ActionOutcome.Failed failed => new DeliveryResult.Failed(failed.Error),
            _ => DeliveryResult.Ok,
        };
    }

    public void Finished(PendingDelivery row, StoredEvent stored, Outcome outcome)
    {
        _decided.TryRemove(stored.EventId, out var decided);
        var (name, reason) = outcome.Kind == OutcomeKind.Delivered && decided is not null
            ? (decided.Name, decided.Sentence)
            : ("failed", outcome.Error ?? decided?.Sentence ?? "failed");
        var now = DateTimeOffset.UtcNow;
        ActionJournal.Write(ownEvents.StateDir, now, action.Name, row.OrderingKey, name, reason, stored.EventId);
        var line = $"action '{action.Name}' for {row.OrderingKey}: {name}: {reason}";
        if (name == "failed")
        {
            HookLog.Error(line);
        }
        else
        {
            HookLog.Info(line);
        }
        try
        {
            ownEvents.Publish(ActionOutcomeEvent.Compose(stored, action.Name, name, reason, now), row.OrderingKey);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The action's own result stands; only its report is lost, and the log above has it.
            HookLog.Error($"action '{action.Name}' for {row.OrderingKey}: its outcome event could not be queued: {e.Message}");
        }
    }
}
