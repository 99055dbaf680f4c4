using HookRelay.Logging;
using HookRelay.Rules;
using Microsoft.Data.Sqlite;

namespace HookRelay.Outbox;

/// <summary>
/// Keeps the outbox bounded: finished rows go after their retention, and when the file nears
/// its size limit the oldest delivered rows go first. Pending rows and dead letters are never
/// removed to make room: they are events not yet delivered.
/// </summary>
public static class OutboxRetention
{
    public sealed record Pruned(int Delivered, int Dead, int Events);

    public static Pruned Prune(SqliteConnection connection, DeliverySettings settings, long nowMs)
    {
        var delivered = Execute(connection, "DELETE FROM deliveries WHERE state = 1 AND done_ms < $cut", nowMs - (long)settings.KeepDelivered.TotalMilliseconds);
        var dead = Execute(connection, "DELETE FROM deliveries WHERE state = 2 AND done_ms < $cut", nowMs - (long)settings.KeepDead.TotalMilliseconds);
        if (SizeBytes(connection) > settings.MaxDbBytes * 8 / 10)
        {
            var total = Scalar(connection, "SELECT COUNT(*) FROM deliveries WHERE state = 1");
            var trimmed = Execute(connection,
                "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state = 1 ORDER BY done_ms LIMIT $cut)", Math.Max(1, total / 2));
            delivered += trimmed;
            if (trimmed > 0)
            {
                HookLog.Warning($"outbox near its size limit ({settings.MaxDbBytes / (1024 * 1024)} MB): dropped the {trimmed} oldest delivered rows early; 'replay --since' reaches less far back");
            }
        }
        var events = Execute(connection, "DELETE FROM events WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event = events.id)", 0);
        if (delivered + dead + events > 0)
        {
            Execute(connection, "PRAGMA incremental_vacuum", 0);
        }
        return new Pruned(delivered, dead, events);
    }

    public static long SizeBytes(SqliteConnection connection) =>
        Scalar(connection, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static int Execute(SqliteConnection connection, string sql, long cut)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (sql.Contains("$cut", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("$cut", cut);
        }
        return command.ExecuteNonQuery();
    }
}
