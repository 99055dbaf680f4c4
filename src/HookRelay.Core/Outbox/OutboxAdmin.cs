using Microsoft.Data.Sqlite;

namespace HookRelay.Outbox;

public sealed record SinkStatus(
    string Sink,
    long Pending,
    long InFlight,
    long Retrying,
    long Dead,
    long Delivered,
    long? LastDeliveredMs,
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
    public IReadOnlyList<SinkStatus> Status()
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.sink,
                   SUM(d.state = 0), SUM(d.state = 0 AND d.lease_owner IS NOT NULL), SUM(d.state = 0 AND d.attempts > 0),
                   SUM(d.state = 2), SUM(d.state = 1),
                   MAX(CASE WHEN d.state = 1 THEN d.done_ms END), MIN(CASE WHEN d.state = 0 THEN e.created_ms END),
                   -- The error a retrying row has, else the newest dead letter's: why the sink is unhealthy.
                   COALESCE((SELECT x.last_error FROM deliveries x WHERE x.sink = d.sink AND x.state = 0 AND x.attempts > 0 ORDER BY x.id LIMIT 1),
                            (SELECT x.last_error FROM deliveries x WHERE x.sink = d.sink AND x.state = 2 ORDER BY x.done_ms DESC, x.id DESC LIMIT 1))
            FROM deliveries d JOIN events e ON e.id = d.event
            GROUP BY d.sink ORDER BY d.sink
            """;
        using var reader = command.ExecuteReader();
        var result = new List<SinkStatus>();
        while (reader.Read())
        {
            result.Add(new SinkStatus(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64(5), NullableLong(reader, 6), NullableLong(reader, 7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return result;
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
