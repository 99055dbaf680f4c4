using Microsoft.Data.Sqlite;

namespace HookRelay.Outbox;

/// <summary>One sink's rows not yet done: pending (in flight, retrying) and dead letters.</summary>
public sealed record SinkStatus(
    string Sink,
    long Pending,
    long InFlight,
    long Retrying,
    long Dead,
    long? OldestPendingMs,
    string? LastError)
{
    public string Health => Retrying > 0 ? "failing" : Dead > 0 ? "dead letters" : "ok";
}

public sealed record DeadLetter(long Id, string EventId, string Sink, string Type, string? Subject, int Attempts, long CreatedMs, long? DoneMs, string? LastError);

/// <summary>
/// What operators ask of the outbox from the command line: its state, the dead letters, and
/// sending things again. Every change here only moves rows back to pending; the daemon delivers.
/// </summary>
public sealed class OutboxAdmin(SqliteConnection connection)
{
    /// <summary>
    /// Per sink, what is not done: only pending rows and dead letters are read (both through partial
    /// indexes; the dead-letter query repeats deliveries_finished's "state &lt;&gt; 0" so SQLite uses it), so
    /// status stays quick however many delivered rows the outbox keeps; how much each sink
    /// delivered is the running daemon's to say (Delivery/DaemonStatusFile).
    /// </summary>
    public IReadOnlyList<SinkStatus> Status()
    {
        var pending = new Dictionary<string, (long Pending, long InFlight, long Retrying, long Oldest, string? Error)>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT d.sink, COUNT(*), SUM(d.lease_owner IS NOT NULL), SUM(d.attempts > 0), MIN(e.created_ms),
                       -- The error the first retrying row has: why the sink is failing.
                       (SELECT x.last_error FROM deliveries x WHERE x.sink = d.sink AND x.state = 0 AND x.attempts > 0 ORDER BY x.id LIMIT 1)
                FROM deliveries d JOIN events e ON e.id = d.event
                WHERE d.state = 0
                GROUP BY d.sink
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                pending[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetString(5));
            }
        }
        var dead = new Dictionary<string, (long Count, string? Error)>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT d.sink, COUNT(*),
                       (SELECT x.last_error FROM deliveries x WHERE x.sink = d.sink AND x.state <> 0 AND x.state = 2 ORDER BY x.done_ms DESC, x.id DESC LIMIT 1)
                FROM deliveries d WHERE d.state <> 0 AND d.state = 2 GROUP BY d.sink
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                dead[reader.GetString(0)] = (reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }
        return [.. pending.Keys.Union(dead.Keys).Order(StringComparer.Ordinal).Select(sink =>
        {
            var p = pending.GetValueOrDefault(sink);
            var d = dead.GetValueOrDefault(sink);
            // A retrying row's error says why the sink is unhealthy now; else the newest dead letter's.
            return new SinkStatus(sink, p.Pending, p.InFlight, p.Retrying, d.Count, p.Pending > 0 ? p.Oldest : null, p.Error ?? d.Error);
        })];
    }

    /// <summary>Delivered rows the outbox still keeps (delivery.keep_delivered): counted on the index of finished rows.</summary>
    public long DeliveredKept()
    {
        using var command = connection.CreateCommand();
        // "state <> 0" repeats the index's own condition: SQLite uses a partial index only for a query that says it.
        command.CommandText = "SELECT COUNT(*) FROM deliveries WHERE state <> 0 AND state = 1";
        return (long)command.ExecuteScalar()!;
    }

    public long SizeBytes => OutboxRetention.SizeBytes(connection);

    public IReadOnlyList<DeadLetter> DeadLetters(string? sink)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.id, e.event_id, d.sink, e.type, e.subject, d.attempts, e.created_ms, d.done_ms, d.last_error
            FROM deliveries d JOIN events e ON e.id = d.event
            WHERE d.state = 2 AND ($sink IS NULL OR d.sink = $sink) ORDER BY d.id
            """;
        command.Parameters.AddWithValue("$sink", (object?)sink ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var result = new List<DeadLetter>();
        while (reader.Read())
        {
            result.Add(new DeadLetter(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5), reader.GetInt64(6), NullableLong(reader, 7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return result;
    }

    /// <summary>Dead letters (all, or these ids, optionally of one sink) back to the queue with fresh attempts.</summary>
    public int ReplayDead(IReadOnlyCollection<long> ids, string? sink, long nowMs) =>
        Requeue($"state = 2 {IdFilter(ids)}", ids, sink, nowMs, null);

    public int DropDead(IReadOnlyCollection<long> ids, string? sink)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM deliveries WHERE state = 2 {IdFilter(ids)} AND ($sink IS NULL OR sink = $sink)";
        Bind(command, ids, sink);
        var dropped = command.ExecuteNonQuery();
        command.CommandText = "DELETE FROM events WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event = events.id)";
        command.ExecuteNonQuery();
        BumpGeneration();
        transaction.Commit();
        return dropped;
    }

    /// <summary>Everything delivered or dead for events since a time goes out again (same event ids).</summary>
    public int ReplaySince(long sinceMs, string? sink, long nowMs) =>
        Requeue("state <> 0 AND event IN (SELECT id FROM events WHERE created_ms >= $since)", [], sink, nowMs, sinceMs);

    private int Requeue(string where, IReadOnlyCollection<long> ids, string? sink, long nowMs, long? sinceMs)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            UPDATE deliveries SET state = 0, attempts = 0, next_ms = $now, done_ms = NULL, lease_owner = NULL, lease_until_ms = NULL
            WHERE {where} AND ($sink IS NULL OR sink = $sink)
            """;
        command.Parameters.AddWithValue("$now", nowMs);
        if (sinceMs is { } since)
        {
            command.Parameters.AddWithValue("$since", since);
        }
        Bind(command, ids, sink);
        var requeued = command.ExecuteNonQuery();
        BumpGeneration();
        transaction.Commit();
        return requeued;
    }

    /// <summary>Tells a running daemon that old rows changed, so it reads the queue afresh.</summary>
    private void BumpGeneration()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE meta SET value = value + 1 WHERE key = 'requeue_generation'";
        command.ExecuteNonQuery();
    }

    private static string IdFilter(IReadOnlyCollection<long> ids) =>
        ids.Count == 0 ? "" : $"AND id IN ({string.Join(",", ids.Select((_, i) => $"$id{i}"))})";

    private static void Bind(SqliteCommand command, IReadOnlyCollection<long> ids, string? sink)
    {
        command.Parameters.AddWithValue("$sink", (object?)sink ?? DBNull.Value);
        var i = 0;
        foreach (var id in ids)
        {
            command.Parameters.AddWithValue($"$id{i++}", id);
        }
    }

    private static long? NullableLong(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
