using System.Net;
using System.Text.Json;
using HookRelay.Delivery;

namespace HookRelay.Web;

/// <summary>
/// GET /api/sinks: each sink (and node action) as `hookrelay status` shows it: its health, what it
/// delivered and failed since the daemon started, its last error, a 429's pause, a broker's
/// connection, and its queue (pending, in flight, retrying, dead letters, the oldest waiting).
/// </summary>
public sealed class SinkStatusApi(Func<string> stateDir, Func<IReadOnlyDictionary<string, SinkLane>> lanes)
{
    public const string Path = "/api/sinks";

    public async Task AnswerAsync(HttpListenerResponse response)
    {
        var queues = SinkQueues.Read(stateDir()) ?? [];
        var served = lanes();
        var nowMs = DeliveryDaemon.NowMs();
        await WebJson.WriteAsync(response, HttpStatusCode.OK, writer =>
        {
            writer.WriteStartArray("sinks");
            foreach (var name in served.Keys.Union(queues.Keys).Order(StringComparer.Ordinal))
            {
                var lane = served.GetValueOrDefault(name);
                var health = lane?.Health.Read();
                var queue = queues.GetValueOrDefault(name);
                var paused = lane is not null && lane.PausedUntilMs > nowMs;
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("health", lane is null ? "not configured" : paused ? "paused" : health!.FailingSinceMs is not null ? "failing" : queue?.Health ?? "ok");
                writer.WriteNumber("delivered", health?.Delivered ?? 0);
                writer.WriteNumber("failed_attempts", health?.FailedAttempts ?? 0);
                writer.WriteNumber("dead_lettered", health?.DeadLettered ?? 0);
                Time(writer, "last_delivered", health?.LastDeliveredMs);
                Time(writer, "failing_since", health?.FailingSinceMs);
                Time(writer, "paused_until", paused ? lane!.PausedUntilMs : null);
                writer.WriteString("last_error", health?.LastError ?? queue?.LastError);
                writer.WriteString("connection", (lane?.Sink as Sinks.IConnectedSink)?.ConnectionState);
                writer.WriteNumber("pending", queue?.Pending ?? 0);
                writer.WriteNumber("in_flight", queue?.InFlight ?? 0);
                writer.WriteNumber("retrying", queue?.Retrying ?? 0);
                writer.WriteNumber("dead", queue?.Dead ?? 0);
                Time(writer, "oldest_pending", queue?.OldestPendingMs);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }).ConfigureAwait(false);
    }

    private static void Time(Utf8JsonWriter writer, string name, long? ms) =>
        writer.WriteString(name, ms is { } value ? Events.CloudEvent.TimeText(DateTimeOffset.FromUnixTimeMilliseconds(value)) : null);
}
