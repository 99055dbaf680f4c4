using HookRelay.Sinks.Messages;

namespace HookRelay.Actions;

/// <summary>What an action came to on this node; each becomes an event of its own (<see cref="ActionOutcomeEvent"/>).</summary>
public abstract record ActionOutcome(string Sentence)
{
    /// <summary>It changed something, and checked that it holds: "disk 0 grown from 1024 MiB to 1536 MiB".</summary>
    public sealed record Done(string What) : ActionOutcome(What);

    /// <summary>Nothing to do here, and why: "the instance runs on the fake hypervisor, not kvm".</summary>
    public sealed record Skipped(string Why) : ActionOutcome(Why);

    /// <summary>It could not: worth another attempt (<paramref name="Retry"/>: QEMU did not answer in time) or not (QEMU refused).</summary>
    public sealed record Failed(string Error, bool Retry) : ActionOutcome(Error);

    /// <summary>As matchers and the event type say it: done, skipped or failed.</summary>
    public string Name => this switch
    {
        Done => "done",
        Skipped => "skipped",
        _ => "failed",
    };
}

/// <summary>
/// Something HookRelay does on the node an operation concerns (tell QEMU a disk grew, pin
/// vCPUs), run by that node's daemon from its outbox with the retries, ordering per instance and
/// dead letters of a delivery (<see cref="ActionSink"/>). It must be idempotent: a replay, or a
/// redelivery after a crash, runs it again.
/// </summary>
public interface INodeAction
{
    string Name { get; }

    /// <summary>Acts on one triggering event: the hook run's CloudEvent, with its GANETI_* variables in data.env.</summary>
    ValueTask<ActionOutcome> RunAsync(EventView trigger, CancellationToken cancellationToken);
}
