using System.Globalization;
using HookRelay.Delivery;
using HookRelay.Rules;

namespace HookRelay.Sinks.Declaration;

/// <summary>The settings every sink and action takes, read by the daemon's delivery policy (Delivery/DeliveryPolicy).</summary>
public static class DeliveryKeys
{
    public static IReadOnlyList<SinkKey> For(double? defaultRate, string? reason) =>
    [
        Concurrency(new DeliveryPolicy(), "Deliveries to this sink at once, each for a different instance"),
        SinkKey.Number("rate_per_s", defaultRate is { } rate
            ? $"At most this many messages per second (default {rate.ToString(CultureInfo.InvariantCulture)}: {reason}; 0 for none)."
            : "At most this many deliveries per second (default: no limit)."),
        .. Retries(new DeliveryPolicy(), "delivery"),
    ];

    public static SinkKey Concurrency(DeliveryPolicy defaults, string what) =>
        SinkKey.WholeNumber("concurrency", $"{what} (default {defaults.Concurrency}).");

    /// <summary>How failures are retried and when they are given up, with <paramref name="defaults"/> said in each description.</summary>
    public static IReadOnlyList<SinkKey> Retries(DeliveryPolicy defaults, string what) =>
    [
        SinkKey.WholeNumber("max_attempts", $"Attempts before a {what} becomes a dead letter (default {defaults.MaxAttempts})."),
        SinkKey.Duration("max_age", $"A failing {what} older than this becomes a dead letter (default {Durations.Format(defaults.MaxAge)})."),
        SinkKey.Group("backoff", "Exponential backoff with jitter between attempts.",
            SinkKey.Duration("initial", $"Wait after the first failure (default {Durations.Format(defaults.InitialBackoff)})."),
            SinkKey.Duration("max", $"Longest wait between attempts (default {Durations.Format(defaults.MaxBackoff)}).")),
    ];
}
