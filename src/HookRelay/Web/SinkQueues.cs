using HookRelay.Outbox;
using Microsoft.Data.Sqlite;

namespace HookRelay.Web;

/// <summary>
/// Each sink's rows not yet done, as `hookrelay status` reads them (<see cref="OutboxAdmin.Status"/>:
/// only pending rows and dead letters, through partial indexes), on a read-only connection of its
/// own: what /metrics and /api/sinks show of the queue.
/// </summary>
public static class SinkQueues
{
    /// <summary>By sink; empty without an outbox yet; null when the outbox cannot be read now (said in the log).</summary>
    public static Dictionary<string, SinkStatus>? Read(string stateDir)
    {
        try
        {
            using var connection = OutboxDatabase.OpenReadOnly(stateDir);
            return connection is null
                ? new Dictionary<string, SinkStatus>(StringComparer.Ordinal)
                : new OutboxAdmin(connection).Status().ToDictionary(s => s.Sink, StringComparer.Ordinal);
        }
        catch (SqliteException e)
        {
            Logging.HookLog.Warning($"web listener: cannot read the outbox ({e.Message})");
            return null;
        }
    }
}
