namespace HookRelay.Sinks;

/// <summary>One event on its way to one sink: the CloudEvents JSON document and what it came from.</summary>
public sealed record SinkMessage(string EventId, string Route, string EventType, ReadOnlyMemory<byte> CloudEventJson)
{
    /// <summary>HookRelay wrote the document with data as its last member (<see cref="Events.CloudEvent.WriteTo"/>): a reader may stop at data.</summary>
    public bool DataLast { get; init; }

    /// <summary>The event read by path, for templates and messages; parsed no further than asked (<see cref="EventView"/>).</summary>
    public Messages.EventView View() => new(CloudEventJson, DataLast);
}

/// <summary>
/// What a delivery attempt came to. A sink only says whether a failure is worth retrying;
/// backoff, ordering and dead letters belong to whoever drives the sink.
/// </summary>
public abstract record DeliveryResult
{
    public sealed record Delivered : DeliveryResult;

    public sealed record Retry(string Reason, TimeSpan? After = null) : DeliveryResult;

    public sealed record Failed(string Reason) : DeliveryResult;

    public static readonly DeliveryResult Ok = new Delivered();
}

/// <summary>A destination for events. One file per sink type, built from its configuration by <see cref="SinkFactory"/>.</summary>
public interface ISink
{
    string Name { get; }

    ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// A sink that takes a key's messages in one go (one append and one fsync for a file; next, one
/// produce call for a broker) and says what became of each. The daemon hands it the rows of one
/// ordering key, oldest first; a result per message, in that order.
/// </summary>
public interface IBatchSink : ISink
{
    ValueTask<IReadOnlyList<DeliveryResult>> DeliverBatchAsync(IReadOnlyList<SinkMessage> messages, CancellationToken cancellationToken);
}

/// <summary>
/// A sink that acts on how each message ended: delivered, or given up as a dead letter (an
/// action's outcome becomes an event of its own). Told once per message, after the attempt that
/// decided it; not for retries, which are not an end.
/// </summary>
public interface IFinalOutcomeSink : ISink
{
    void Finished(Outbox.PendingDelivery row, Outbox.StoredEvent stored, Outbox.Outcome outcome);
}
