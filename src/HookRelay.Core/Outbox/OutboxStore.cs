using Microsoft.Data.Sqlite;

namespace HookRelay.Outbox;

/// <summary>
/// The daemon's side of the outbox, on one connection used by one thread: scan what is pending,
/// lease rows before delivering them, record outcomes in batches, prune what is done.
/// </summary>
public sealed class OutboxStore(SqliteConnection connection) : IDisposable
{
    // The statements the daemon runs again and again, each prepared once and kept: preparing one
    // costs SQLite about as much as the work of a small batch (callgrind: ~90k instructions).
    private SqliteCommand? _scanPending;
    private SqliteCommand? _lease;
    private SqliteCommand? _loadEvent;
    private SqliteCommand? _complete;

    public static OutboxStore Open(string stateDir, long maxSizeBytes, Events.IJobJoin? jobs = null) =>
        new(OutboxDatabase.Open(stateDir, new OutboxOptions(FullSync: false, TimeSpan.FromSeconds(30), maxSizeBytes))) { Jobs = jobs };

    public SqliteConnection Connection => connection;

    /// <summary>The daemon's job join: hook events rendered here carry the job that ran them.</summary>
    public Events.IJobJoin? Jobs { get; init; }

    /// <summary>At start, under the serve lock: whatever a previous daemon had leased it never finished.</summary>
    public int ReleaseAllLeases() =>
        Execute("UPDATE deliveries SET lease_owner = NULL, lease_until_ms = NULL WHERE state = 0 AND lease_owner IS NOT NULL");

    /// <summary>Pending rows after <paramref name="afterId"/> in enqueue order, leased ones included (they block their key).</summary>
    public List<PendingDelivery> ScanPending(long afterId, int limit)
    {
        var command = Kept(ref _scanPending, null, """
            SELECT d.id, d.event, d.sink, d.routes, d.okey, d.attempts, d.next_ms, d.lease_until_ms, e.created_ms
            FROM deliveries d JOIN events e ON e.id = d.event
            WHERE d.state = 0 AND d.id > $after ORDER BY d.id LIMIT $limit
            """, "$after", "$limit");
        command.Parameters[0].Value = afterId;
        command.Parameters[1].Value = limit;
        using var reader = command.ExecuteReader();
        var rows = new List<PendingDelivery>();
        while (reader.Read())
        {
            rows.Add(new PendingDelivery(reader.GetInt64(0), reader.GetInt64(1), Shared(reader.GetString(2)),
                Shared(reader.GetString(3)), Shared(reader.GetString(4)), reader.GetInt32(5), reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.GetInt64(8)));
        }
        return rows;
    }

    /// <summary>
    /// Sink names, route lists and ordering keys repeat across a backlog (a few sinks, one key per
    /// instance): each distinct one is held once, not once per row. Bounded like any cache.
    /// </summary>
    private string Shared(string text)
    {
        if (_shared.TryGetValue(text, out var known))
        {
            return known;
        }
        if (_shared.Count < 10_000)
        {
            _shared[text] = text;
        }
        return text;
    }

    private readonly Dictionary<string, string> _shared = new(StringComparer.Ordinal);

    public void Lease(IEnumerable<PendingDelivery> rows, string owner, long untilMs)
    {
        using var transaction = connection.BeginTransaction();
        var command = Kept(ref _lease, transaction, "UPDATE deliveries SET lease_owner = $owner, lease_until_ms = $until WHERE id = $id", "$owner", "$until", "$id");
        command.Parameters[0].Value = owner;
        command.Parameters[1].Value = untilMs;
        var id = command.Parameters[2];
        foreach (var row in rows)
        {
            id.Value = row.Id;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>
    /// The stored hook record of an event, rendered lazily: rendering the CloudEvent is the
    /// daemon's main CPU cost, and it belongs on the delivery workers, not on the one thread
    /// that owns the database.
    /// </summary>
    public Lazy<StoredEvent?> LoadEvent(long eventRow)
    {
        var command = Kept(ref _loadEvent, null, "SELECT event_id, type, kind, format, body FROM events WHERE id = $id", "$id");
        command.Parameters[0].Value = eventRow;
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return new Lazy<StoredEvent?>((StoredEvent?)null);
        }
        var (eventId, type, kind, format, payload) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetFieldValue<byte[]>(4));
        var jobs = Jobs;
        return new Lazy<StoredEvent?>(() => Render(eventId, type, kind, format, payload, jobs), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private static StoredEvent? Render(string eventId, string type, string kind, int format, byte[] payload, Events.IJobJoin? jobs)
    {
        try
        {
            return new StoredEvent(eventId, type, OutboxEnvelope.Render(kind, format, payload, jobs)) { DataLast = OutboxEnvelope.RendersDataLast(kind) };
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            Logging.HookLog.Error($"event {eventId} in the outbox cannot be read ({e.Message}); it goes to the dead letters");
            return null;
        }
    }

    /// <summary>Records a batch of outcomes in one transaction; every one also ends its lease.</summary>
    public void Complete(IReadOnlyCollection<Outcome> outcomes, long nowMs)
    {
        if (outcomes.Count == 0)
        {
            return;
        }
        using var transaction = connection.BeginTransaction();
        var command = Kept(ref _complete, transaction, """
            UPDATE deliveries SET state = $state, attempts = $attempts, next_ms = $next, last_error = COALESCE($error, last_error),
                done_ms = CASE WHEN $state = 0 THEN NULL ELSE $now END, lease_owner = NULL, lease_until_ms = NULL
            WHERE id = $id
            """, "$state", "$attempts", "$next", "$error", "$id", "$now");
        var (state, attempts, next, error, id) = (command.Parameters[0], command.Parameters[1], command.Parameters[2], command.Parameters[3], command.Parameters[4]);
        command.Parameters[5].Value = nowMs;
        foreach (var outcome in outcomes)
        {
            state.Value = outcome.Kind switch
            {
                OutcomeKind.Delivered => OutboxSchema.Delivered,
                OutcomeKind.Dead => OutboxSchema.Dead,
                _ => OutboxSchema.Pending,
            };
            attempts.Value = outcome.Attempts;
            next.Value = outcome.NextMs;
            error.Value = (object?)outcome.Error ?? DBNull.Value;
            id.Value = outcome.Id;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>
    /// The kept command for <paramref name="sql"/>, made on first use with its parameters in the
    /// order named, and in <paramref name="transaction"/> (none outside one): a kept command must
    /// be told each time, since the transaction it was made in has ended.
    /// </summary>
    private SqliteCommand Kept(ref SqliteCommand? command, SqliteTransaction? transaction, string sql, params ReadOnlySpan<string> parameters)
    {
        if (command is null)
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
        }
        command.Transaction = transaction;
        return command;
    }

    public long RequeueGeneration()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = 'requeue_generation'";
        return (long)command.ExecuteScalar()!;
    }

    public long HighestPendingId()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(id), 0) FROM deliveries WHERE state = 0";
        return (long)command.ExecuteScalar()!;
    }

    private int Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in (SqliteCommand?[])[_scanPending, _lease, _loadEvent, _complete])
        {
            command?.Dispose();
        }
        connection.Dispose();
    }
}
