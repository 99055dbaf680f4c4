using System.Globalization;

namespace HookRelay.Sinks.Declaration;

/// <summary>The settings every sink takes, read by the daemon's delivery policy (Delivery/DeliveryPolicy).</summary>
public static class DeliveryKeys
{
    public static IReadOnlyList<SinkKey> For(double? defaultRate, string? reason) =>
    [
        SinkKey.WholeNumber("concurrency", "Deliveries to this sink at once, each for a different instance (default 4)."),
        SinkKey.Number("rate_per_s", defaultRate is { } rate
            ? $"At most this many messages per second (default {rate.ToString(CultureInfo.InvariantCulture)}: {reason}; 0 for none)."
            : "At most this many deliveries per second (default: no limit)."),
        SinkKey.WholeNumber("max_attempts", "Attempts before a delivery becomes a dead letter (default 100)."),
        SinkKey.Duration("max_age", "A failing delivery older than this becomes a dead letter (default 24h)."),
        SinkKey.Group("backoff", "Exponential backoff with jitter between attempts.",
            SinkKey.Duration("initial", "Wait after the first failure (default 1s)."),
            SinkKey.Duration("max", "Longest wait between attempts (default 5m).")),
    ];
}
