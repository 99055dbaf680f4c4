using System.Globalization;
using System.Text.Json;
using HookRelay.Logging;

namespace HookRelay.Delivery;

/// <summary>
/// What the running daemon knows that the outbox does not keep cheaply: each sink's counts since
/// it started, when it last delivered, since when it is failing, whether a 429 paused it. Written
/// to state_dir/serve.status.json (at most once a second, only when something moved, and as it
/// stops) for `status`, a separate process; the coming /metrics reads the same
/// <see cref="SinkHealth"/> in memory.
/// </summary>
public sealed class DaemonStatusFile(string stateDir)
{
    public const string FileName = "serve.status.json";
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);
    private static readonly long StartedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private int? _writtenVersion;
    private DateTime _nextWrite = DateTime.MinValue;

    /// <summary>One sink as the daemon sees it.</summary>
    /// <param name="Connection">A broker's connection state (<see cref="Sinks.IConnectedSink"/>); null for a sink that keeps none.</param>
    public sealed record Sink(string Name, SinkHealth.Snapshot Health, long? PausedUntilMs, int GroupsUnderWay, string? Connection = null)
    {
        /// <summary>A lane as the daemon sees it now: what the file holds, and /api/sinks shows without it.</summary>
        public static Sink Of(string name, SinkLane lane) =>
            new(name, lane.Health.Read(), lane.PausedUntilMs > 0 ? lane.PausedUntilMs : null, lane.ActiveGroups, (lane.Sink as Sinks.IConnectedSink)?.ConnectionState);
    }

    /// <summary>What a daemon wrote: who (its pid) and its sinks.</summary>
    public sealed record Contents(int Pid, long StartedMs, long WrittenMs, IReadOnlyDictionary<string, Sink> Sinks);

    public static string PathIn(string stateDir) => Path.Combine(stateDir, FileName);

    /// <summary>Writes when a count or a pause changed since the last write and a second has passed, or when <paramref name="now"/> says so.</summary>
    public void Update(IReadOnlyDictionary<string, SinkLane> lanes, bool now = false)
    {
        var combined = new HashCode();
        foreach (var (name, lane) in lanes)
        {
            combined.Add(name);
            combined.Add(lane.Health.Version);
            combined.Add(lane.PausedUntilMs);
            combined.Add(lane.ActiveGroups);
            combined.Add((lane.Sink as Sinks.IConnectedSink)?.ConnectionState);
        }
        var version = combined.ToHashCode();
        if (version == _writtenVersion || (!now && DateTime.UtcNow < _nextWrite))
        {
            return;
        }
        _nextWrite = DateTime.UtcNow + Every;
        _writtenVersion = version;
        try
        {
            Write(lanes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only status misses out; delivery goes on.
            HookLog.Warning($"cannot write {PathIn(stateDir)} for 'hookrelay status': {e.Message}");
        }
    }

    private void Write(IReadOnlyDictionary<string, SinkLane> lanes)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("pid", Environment.ProcessId);
            writer.WriteNumber("started_ms", StartedMs);
            writer.WriteNumber("written_ms", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            writer.WriteStartObject("sinks");
            foreach (var sink in lanes.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => Sink.Of(l.Key, l.Value)))
            {
                var health = sink.Health;
                writer.WriteStartObject(sink.Name);
                writer.WriteNumber("delivered", health.Delivered);
                writer.WriteNumber("failed_attempts", health.FailedAttempts);
                writer.WriteNumber("dead_lettered", health.DeadLettered);
                WriteTime(writer, "last_delivered_ms", health.LastDeliveredMs);
                WriteTime(writer, "last_failure_ms", health.LastFailureMs);
                WriteTime(writer, "failing_since_ms", health.FailingSinceMs);
                writer.WriteString("last_error", health.LastError);
                WriteTime(writer, "paused_until_ms", sink.PausedUntilMs);
                writer.WriteNumber("groups_under_way", sink.GroupsUnderWay);
                if (sink.Connection is not null)
                {
                    writer.WriteString("connection", sink.Connection);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        Posix.AtomicFile.Replace(PathIn(stateDir), buffer.WrittenSpan);
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, long? ms)
    {
        if (ms is { } value)
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>What the daemon with <paramref name="pid"/> last wrote; null when it wrote nothing (yet) or the file is another process's.</summary>
    public static Contents? Read(string stateDir, int pid)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(PathIn(stateDir)));
            var root = json.RootElement;
            if (root.GetProperty("pid").GetInt32() != pid)
            {
                return null;
            }
            var sinks = root.GetProperty("sinks").EnumerateObject().ToDictionary(s => s.Name, s => new Sink(s.Name,
                new SinkHealth.Snapshot(s.Value.GetProperty("delivered").GetInt64(), s.Value.GetProperty("failed_attempts").GetInt64(),
                    s.Value.GetProperty("dead_lettered").GetInt64(), Time(s.Value, "last_delivered_ms"), Time(s.Value, "last_failure_ms"),
                    Time(s.Value, "failing_since_ms"), s.Value.GetProperty("last_error").GetString()),
                Time(s.Value, "paused_until_ms"), s.Value.GetProperty("groups_under_way").GetInt32(),
                s.Value.TryGetProperty("connection", out var connection) ? connection.GetString() : null), StringComparer.Ordinal);
            return new Contents(pid, root.GetProperty("started_ms").GetInt64(), root.GetProperty("written_ms").GetInt64(), sinks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static long? Time(JsonElement sink, string name) =>
        sink.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
}
