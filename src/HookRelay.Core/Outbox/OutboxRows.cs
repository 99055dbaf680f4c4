namespace HookRelay.Outbox;

/// <summary>
/// A delivery row not yet done, with what scheduling needs to know about it. The daemon holds up
/// to 100,000 of them: the event's own id and body are read when the row is sent, not here.
/// </summary>
public sealed record PendingDelivery(
    long Id,
    long EventRow,
    string Sink,
    string Routes,
    string OrderingKey,
    int Attempts,
    long NextMs,
    long? LeaseUntilMs,
    long CreatedMs);

/// <summary>An event ready to send: its id, type and CloudEvents JSON document.</summary>
public sealed record StoredEvent(string EventId, string Type, byte[] Body)
{
    /// <summary>HookRelay rendered the body itself, attributes first and data last (<see cref="OutboxEnvelope.RendersDataLast"/>).</summary>
    public bool DataLast { get; init; }
}

public enum OutcomeKind
{
    Delivered,
    /// <summary>Failed, to be tried again at <see cref="Outcome.NextMs"/>.</summary>
    Retry,
    /// <summary>Given up: kept as a dead letter with the last error.</summary>
    Dead,
    /// <summary>Not attempted after all (shutdown, or an earlier row of its key failed): back to the queue untouched.</summary>
    Released,
}

/// <summary>What became of one leased row.</summary>
public sealed record Outcome(long Id, OutcomeKind Kind, int Attempts, long NextMs, string? Error)
{
    public static Outcome Released(PendingDelivery row) => new(row.Id, OutcomeKind.Released, row.Attempts, row.NextMs, null);
}
