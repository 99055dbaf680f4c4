using HookRelay.Delivery;
using HookRelay.Outbox;
using HookRelay.Sinks;

namespace HookRelay.Tests.Delivery;

public class OutcomeRulesTests
{
    private const long Now = 1_800_000_000_000;
    private static readonly DeliveryPolicy Policy = new() { MaxAttempts = 5, MaxAge = TimeSpan.FromHours(1) };

    private static PendingDelivery Row(int attempts = 0, long createdMs = Now - 1000) =>
        new(7, 1, "chat", "r", "web-1", attempts, createdMs, null, createdMs);

    [Fact]
    public void Delivered_counts_the_attempt()
    {
        var outcome = OutcomeRules.Decide(Row(attempts: 2), DeliveryResult.Ok, Policy, Now, new Random(1));
        Assert.Equal(OutcomeKind.Delivered, outcome.Kind);
        Assert.Equal(3, outcome.Attempts);
    }

    [Fact]
    public void Retriable_failure_is_retried_later_with_its_reason()
    {
        var outcome = OutcomeRules.Decide(Row(), new DeliveryResult.Retry("503"), Policy, Now, new Random(1));
        Assert.Equal(OutcomeKind.Retry, outcome.Kind);
        Assert.True(outcome.NextMs > Now);
        Assert.Equal("503", outcome.Error);
    }

    [Fact]
    public void Giving_up_says_why_in_words_an_operator_reads()
    {
        var once = new DeliveryPolicy { MaxAttempts = 1 };
        var byCount = OutcomeRules.Decide(Row(), new DeliveryResult.Retry("503"), once, Now, new Random(1));
        var byAge = OutcomeRules.Decide(Row(createdMs: Now - (long)TimeSpan.FromHours(2).TotalMilliseconds), new DeliveryResult.Retry("503"), Policy, Now, new Random(1));

        Assert.Equal("503 (gave up after 1 attempt, max_attempts 1)", byCount.Error);
        Assert.Equal("503 (gave up: the event is 120 min old, max_age 1h)", byAge.Error);
    }

    [Fact]
    public void Non_retriable_failure_goes_straight_to_the_dead_letters()
    {
        var outcome = OutcomeRules.Decide(Row(), new DeliveryResult.Failed("401 Unauthorized"), Policy, Now, new Random(1));
        Assert.Equal(OutcomeKind.Dead, outcome.Kind);
        Assert.Contains("401 Unauthorized", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_allowed_attempt_failing_makes_a_dead_letter_naming_the_limit()
    {
        var outcome = OutcomeRules.Decide(Row(attempts: 4), new DeliveryResult.Retry("503"), Policy, Now, new Random(1));
        Assert.Equal(OutcomeKind.Dead, outcome.Kind);
        Assert.Contains("max_attempts 5", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_event_older_than_max_age_makes_a_dead_letter()
    {
        var outcome = OutcomeRules.Decide(Row(createdMs: Now - (long)TimeSpan.FromHours(2).TotalMilliseconds), new DeliveryResult.Retry("503"), Policy, Now, new Random(1));
        Assert.Equal(OutcomeKind.Dead, outcome.Kind);
        Assert.Contains("max_age", outcome.Error, StringComparison.Ordinal);
    }
}
