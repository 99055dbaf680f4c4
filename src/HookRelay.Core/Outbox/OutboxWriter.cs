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
        using var connection = OutboxDatabase.Open(stateDir, options);
        using var transaction = connection.BeginTransaction();
        var nowMs = envelope.Time.ToUnixTimeMilliseconds();
        long eventRow;
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO events(event_id, created_ms, type, subject, kind, format, body)
                VALUES ($id, $created, $type, $subject, $kind, $format, $body)
                ON CONFLICT(event_id) DO NOTHING RETURNING id
                """;
            insert.Parameters.AddWithValue("$id", envelope.EventId);
            insert.Parameters.AddWithValue("$created", nowMs);
            insert.Parameters.AddWithValue("$type", envelope.Type);
            insert.Parameters.AddWithValue("$subject", (object?)envelope.Subject ?? DBNull.Value);
            insert.Parameters.AddWithValue("$kind", envelope.Kind);
            insert.Parameters.AddWithValue("$format", envelope.Format);
            insert.Parameters.AddWithValue("$body", envelope.Payload);
            if (insert.ExecuteScalar() is not long row)
            {
                return false;
            }
            eventRow = row;
        }
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO deliveries(event, sink, routes, okey, next_ms) VALUES ($event, $sink, $routes, $okey, $next)";
            var sink = insert.Parameters.Add("$sink", SqliteType.Text);
            var routes = insert.Parameters.Add("$routes", SqliteType.Text);
            insert.Parameters.AddWithValue("$event", eventRow);
            insert.Parameters.AddWithValue("$okey", envelope.OrderingKey);
            insert.Parameters.AddWithValue("$next", nowMs);
            // Two routes naming one sink send the event to it once.
            foreach (var group in deliveries.GroupBy(d => d.Sink, StringComparer.Ordinal))
            {
                sink.Value = group.Key;
                routes.Value = string.Join(",", group.Select(d => d.Route).Distinct(StringComparer.Ordinal));
                insert.ExecuteNonQuery();
            }
        }
        transaction.Commit();
        return true;
    }
}
