namespace HookRelay.Delivery;

/// <summary>
/// How one sink has fared since the daemon started, counted as deliveries finish: the numbers
/// `status` shows for a running daemon (through <see cref="DaemonStatusFile"/>) and the coming
/// /metrics serves, without reading the outbox's finished rows. Kept on the sink's lane, so a
/// reload that leaves the sink unchanged keeps its counts.
/// </summary>
public sealed class SinkHealth
{
    private readonly Lock _lock = new();
    private long _delivered;
    private long _failedAttempts;
    private long _deadLettered;
    private long? _lastDeliveredMs;
    private long? _lastFailureMs;
    private long? _failingSinceMs;
    private string? _lastError;

    /// <summary>Changes with every count: the status file is written again only when it moved.</summary>
    public long Version { get; private set; }

    public void Delivered(long nowMs)
    {
        lock (_lock)
        {
            _delivered++;
            _lastDeliveredMs = nowMs;
            _failingSinceMs = null;
            Version++;
        }
    }

    /// <summary>An attempt that failed; <paramref name="dead"/> when the event was given up on.</summary>
    public void Failed(long nowMs, string? error, bool dead)
    {
        lock (_lock)
        {
            _failedAttempts++;
            if (dead)
            {
                _deadLettered++;
            }
            _lastFailureMs = nowMs;
            _failingSinceMs ??= nowMs;
            _lastError = error;
            Version++;
        }
    }

    public Snapshot Read()
    {
        lock (_lock)
        {
            return new Snapshot(_delivered, _failedAttempts, _deadLettered, _lastDeliveredMs, _lastFailureMs, _failingSinceMs, _lastError);
        }
    }

    /// <param name="FailingSinceMs">Since the first failure after the last delivery; null while it delivers.</param>
    public sealed record Snapshot(long Delivered, long FailedAttempts, long DeadLettered, long? LastDeliveredMs, long? LastFailureMs,
        long? FailingSinceMs, string? LastError);
}
