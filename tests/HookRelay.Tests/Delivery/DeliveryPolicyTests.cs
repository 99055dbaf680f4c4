using HookRelay.Delivery;

namespace HookRelay.Tests.Delivery;

public class DeliveryPolicyTests
{
    private static readonly DeliveryPolicy Policy = new() { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromMinutes(5) };

    [Theory]
    [InlineData(1, 0.5, 1)]
    [InlineData(2, 1, 2)]
    [InlineData(4, 4, 8)]
    [InlineData(12, 150, 300)]
    [InlineData(1000, 150, 300)]
    public void Backoff_grows_exponentially_with_jitter_and_is_capped(int attempts, double minSeconds, double maxSeconds)
    {
        var random = new Random(attempts);
        var waits = Enumerable.Range(0, 200).Select(_ => Policy.Backoff(attempts, null, random).TotalSeconds).ToList();
        Assert.All(waits, w => Assert.InRange(w, minSeconds, maxSeconds));
        // Jitter: two hundred failed rows do not all come back at the same moment.
        Assert.True(waits.Distinct().Count() > 100);
    }

    [Fact]
    public void Retry_after_wins_when_it_asks_for_longer()
    {
        var wait = Policy.Backoff(1, TimeSpan.FromSeconds(30), new Random(1));
        Assert.Equal(TimeSpan.FromSeconds(30), wait);
    }

    [Fact]
    public void A_short_retry_after_does_not_shorten_the_backoff()
    {
        var wait = Policy.Backoff(6, TimeSpan.FromSeconds(1), new Random(1));
        Assert.True(wait >= TimeSpan.FromSeconds(16), wait.ToString());
    }

    [Fact]
    public void An_absurd_retry_after_is_capped()
    {
        var wait = Policy.Backoff(1, TimeSpan.FromDays(30), new Random(1));
        Assert.Equal(Policy.MaxRetryAfter, wait);
    }
}
