using HookRelay.Events;
using HookRelay.Rules;
using Microsoft.Data.Sqlite;

namespace HookRelay.Outbox;

/// <summary>
/// Queues an event and its deliveries (one row per sink) in one transaction, on disk when
/// <see cref="Enqueue(string, OutboxOptions, OutboxEnvelope, IReadOnlyList{PlannedDelivery})"/>
/// returns: the hook's side of the outbox, and any other producer's. Nothing here touches the network.
/// </summary>
public static class OutboxWriter
{
    /// <summary>A hook run's event: its record as Ganeti gave it, rendered by the daemon.</summary>
    public static bool Enqueue(string stateDir, OutboxOptions options, HookRecord record, HookEvent ev, IReadOnlyList<PlannedDelivery> deliveries) =>
        Enqueue(stateDir, options, new OutboxEnvelope(record.EventId, record.Time, OutboxEnvelope.Kinds.Hook, CloudEvent.TypeOf(ev), ev.Target,
            OrderingKey(ev), record.ToJsonUtf8()), deliveries);

    /// <summary>
    /// Queues the event unless the outbox holds one with its id already: a producer that repeats
    /// a step after a crash (the job watcher, whose ids are derived from what they report) queues
    /// it once. False when it was there.
    /// </summary>
    public static bool Enqueue(string stateDir, OutboxOptions options, OutboxEnvelope envelope, IReadOnlyList<PlannedDelivery> deliveries)
    {
        try
        {
            return Write(stateDir, options, envelope, deliveries);
        }
        catch (SqliteException e) when (OutboxErrors.IsDamaged(e))
        {
            OutboxDatabase.Quarantine(stateDir, e.Message, options);
            try
            {
                return Write(stateDir, options, envelope, deliveries);
            }
            catch (SqliteException again)
            {
                throw OutboxErrors.Explain(again, stateDir);
            }
        }
        catch (SqliteException e)
        {
            throw OutboxErrors.Explain(e, stateDir);
        }
    }

    /// <summary>Events about one instance (or one target) reach each sink in the order they happened.</summary>
    public static string OrderingKey(HookEvent ev) => ev.Instance?.Name ?? ev.Target ?? ev.Hook;

    private static bool Write(string stateDir, OutboxOptions options, OutboxEnvelope envelope, IReadOnlyList<PlannedDelivery> deliveries)
    {
        using var connection = OutboxDatabase.OpenToQueue(stateDir, options);
        // Immediate: the write lock is taken (or waited for, up to the busy timeout) before anything is read.
        connection.Execute("BEGIN IMMEDIATE");
        var nowMs = envelope.Time.ToUnixTimeMilliseconds();
        long eventRow;
        using (var insert = connection.Prepare("""
            INSERT INTO events(event_id, created_ms, type, subject, kind, format, body)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            ON CONFLICT(event_id) DO NOTHING RETURNING id
            """))
        {
            insert.Bind(1, envelope.EventId).Bind(2, nowMs).Bind(3, envelope.Type).Bind(4, envelope.Subject)
                .Bind(5, envelope.Kind).Bind(6, envelope.Format).Bind(7, envelope.Payload);
            if (!insert.Step())
            {
                // Queued before under this id; closing the connection rolls the transaction back.
                return false;
            }
            eventRow = insert.Int64(0);
            // RETURNING hands the row out before the insert is finished: step on to the end.
            while (insert.Step())
            {
            }
        }
        using (var insert = connection.Prepare("INSERT INTO deliveries(event, sink, routes, okey, next_ms) VALUES (?1, ?2, ?3, ?4, ?5)"))
        {
            insert.Bind(1, eventRow).Bind(4, envelope.OrderingKey).Bind(5, nowMs);
            // Two routes naming one sink send the event to it once.
            foreach (var group in deliveries.GroupBy(d => d.Sink, StringComparer.Ordinal))
            {
                insert.Bind(2, group.Key).Bind(3, string.Join(",", group.Select(d => d.Route).Distinct(StringComparer.Ordinal)));
                insert.Step();
                insert.Reset();
            }
        }
        connection.Execute("COMMIT");
        return true;
    }
}
