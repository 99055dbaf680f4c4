using System.Text.Json;
using HookRelay.Delivery;
using HookRelay.Outbox;

namespace HookRelay.Cli;

/// <summary>
/// One sink as `hookrelay status --json` writes it, and the daemon's /api/sinks: its health, its
/// queue from the outbox, and what a running daemon counted since it started.
/// </summary>
public static class SinkStatusJson
{
    /// <summary>From the outbox (failing, dead letters, ok), unless the daemon holds the sink paused (a 429's Retry-After).</summary>
    public static string Health(SinkStatus queue, bool configured, DaemonStatusFile.Sink? daemon, long nowMs) =>
        !configured ? "not configured"
        : daemon?.PausedUntilMs is { } until && until > nowMs ? "paused"
        : queue.Health;

    public static void Write(Utf8JsonWriter writer, SinkStatus queue, string health, DaemonStatusFile.Sink? daemon)
    {
        writer.WriteStartObject();
        writer.WriteString("name", queue.Sink);
        writer.WriteString("health", health);
        writer.WriteNumber("pending", queue.Pending);
        writer.WriteNumber("in_flight", queue.InFlight);
        writer.WriteNumber("retrying", queue.Retrying);
        writer.WriteNumber("dead", queue.Dead);
        OutboxCli.WriteTime(writer, "oldest_pending", queue.OldestPendingMs);
        writer.WriteString("last_error", queue.LastError);
        WriteDaemonSide(writer, daemon);
        writer.WriteEndObject();
    }

    /// <summary>The running daemon's counts for one sink since it started; null without one.</summary>
    private static void WriteDaemonSide(Utf8JsonWriter writer, DaemonStatusFile.Sink? sink)
    {
        if (sink is null)
        {
            writer.WriteNull("since_daemon_start");
            return;
        }
        var health = sink.Health;
        writer.WriteStartObject("since_daemon_start");
        writer.WriteNumber("delivered", health.Delivered);
        writer.WriteNumber("failed_attempts", health.FailedAttempts);
        writer.WriteNumber("dead_lettered", health.DeadLettered);
        OutboxCli.WriteTime(writer, "last_delivered", health.LastDeliveredMs);
        OutboxCli.WriteTime(writer, "last_failure", health.LastFailureMs);
        OutboxCli.WriteTime(writer, "failing_since", health.FailingSinceMs);
        writer.WriteString("last_error", health.LastError);
        OutboxCli.WriteTime(writer, "paused_until", sink.PausedUntilMs);
        writer.WriteNumber("groups_under_way", sink.GroupsUnderWay);
        if (sink.Connection is not null)
        {
            writer.WriteString("connection", sink.Connection);
        }
        writer.WriteEndObject();
    }
}
