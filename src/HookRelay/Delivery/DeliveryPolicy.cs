using HookRelay.Sinks;

namespace HookRelay.Delivery;

/// <summary>
/// How the daemon drives one sink, as explicit values rather than loops scattered through code:
/// how many deliveries at once, how fast, how to back off, and when to give up into the dead
/// letters. Every sink type takes these settings.
/// </summary>
public sealed record DeliveryPolicy
{
    public int Concurrency { get; init; } = 4;
    /// <summary>Deliveries per second, or null for no limit.</summary>
    public double? RatePerSecond { get; init; }
    public int MaxAttempts { get; init; } = 100;
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(24);
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Longest one attempt may take before it is abandoned and retried: twice the sink's timeout, else 60 s.</summary>
    public TimeSpan AttemptLimit { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>A Retry-After longer than this is capped, so a confused server cannot park a sink for days.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The policy the daemon drives a configured sink with: its settings over its type's defaults.</summary>
    public static DeliveryPolicy For(Rules.SinkConfig sink) => SinkTypes.Find(sink.Type) is { } type
        ? From(new SinkSettings(sink, type), defaultConcurrency: 4, type.DefaultRatePerSecond)
        : From(new SinkSettings(sink), defaultConcurrency: 4);

    /// <param name="defaults">What a setting left out comes to (an action's are not a sink's); the daemon's defaults when null.</param>
    public static DeliveryPolicy From(SinkSettings settings, int defaultConcurrency, double? defaultRate = null, DeliveryPolicy? defaults = null)
    {
        defaults ??= new DeliveryPolicy();
        return new DeliveryPolicy
        {
            Concurrency = Math.Max(1, settings.WholeNumber("concurrency", defaultConcurrency)),
            RatePerSecond = !settings.Declares("rate_per_s") ? null
                : settings.Number("rate_per_s") is { } rate ? (rate > 0 ? rate : null) : defaultRate,
            MaxAttempts = Math.Max(1, settings.WholeNumber("max_attempts", defaults.MaxAttempts)),
            MaxAge = settings.Duration("max_age", defaults.MaxAge),
            InitialBackoff = settings.Duration("backoff.initial", defaults.InitialBackoff),
            MaxBackoff = settings.Duration("backoff.max", defaults.MaxBackoff),
            // An HTTP sink's own timeout fires first; the limit only catches what cannot time out.
            AttemptLimit = !settings.Declares("timeout") || settings.Text("timeout") is null
                ? defaults.AttemptLimit
                : settings.Duration("timeout", defaults.AttemptLimit) * 2,
        };
    }

    /// <summary>
    /// The wait before attempt number <paramref name="attempts"/> + 1: exponential from the
    /// initial backoff, capped, with jitter (between half and all of it) so failed rows do not return in lockstep.
    /// A server's Retry-After wins when it asks for longer.
    /// </summary>
    public TimeSpan Backoff(int attempts, TimeSpan? retryAfter, Random random)
    {
        var exponent = Math.Min(attempts - 1, 30);
        var ceiling = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        // Half fixed, half random: never sooner than half the ceiling, never later than it.
        var wait = TimeSpan.FromMilliseconds((ceiling / 2) + (random.NextDouble() * ceiling / 2));
        if (retryAfter is { } asked)
        {
            var capped = asked > MaxRetryAfter ? MaxRetryAfter : asked;
            return capped > wait ? capped : wait;
        }
        return wait;
    }
}
