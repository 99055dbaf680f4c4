using HookRelay.Outbox;
using HookRelay.Sinks;

namespace HookRelay.Delivery;

/// <summary>Turns what a sink said about one attempt into what happens to the row.</summary>
public static class OutcomeRules
{
    public static Outcome Decide(PendingDelivery row, DeliveryResult result, DeliveryPolicy policy, long nowMs, Random random)
    {
        var attempts = row.Attempts + 1;
        switch (result)
        {
            case DeliveryResult.Delivered:
                return new Outcome(row.Id, OutcomeKind.Delivered, attempts, row.NextMs, null);
            case DeliveryResult.Failed failed:
                return new Outcome(row.Id, OutcomeKind.Dead, attempts, row.NextMs, $"{failed.Reason} (not retriable)");
            case DeliveryResult.Retry retry:
                var age = TimeSpan.FromMilliseconds(nowMs - row.CreatedMs);
                if (attempts >= policy.MaxAttempts)
                {
                    return new Outcome(row.Id, OutcomeKind.Dead, attempts, row.NextMs, $"{retry.Reason} (gave up after {Cli.Counted.Of(attempts, "attempt", "attempts")}, max_attempts {policy.MaxAttempts})");
                }
                if (age >= policy.MaxAge)
                {
                    return new Outcome(row.Id, OutcomeKind.Dead, attempts, row.NextMs, $"{retry.Reason} (gave up: the event is {Math.Round(age.TotalMinutes)} min old, max_age {Rules.Durations.Format(policy.MaxAge)})");
                }
                var wait = policy.Backoff(attempts, retry.After, random);
                return new Outcome(row.Id, OutcomeKind.Retry, attempts, nowMs + (long)wait.TotalMilliseconds, retry.Reason);
            default:
                throw new ArgumentOutOfRangeException(nameof(result), result, "unknown delivery result");
        }
    }
}
