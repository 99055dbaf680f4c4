using System.Text;
using HookRelay.Delivery;
using HookRelay.Outbox;
using HookRelay.Rules;
using HookRelay.Sinks;
using Microsoft.Extensions.Time.Testing;

namespace HookRelay.Tests.Delivery;

/// <summary>
/// The lane's rate limit and Retry-After pause on a fake clock: what they allow is checked against
/// the clock they run on, so a busy machine can make a test slower but never make it pass or fail.
/// </summary>
public class SinkLaneTests
{
    /// <summary>Answers every attempt (as <paramref name="answer"/> says) and notes when, on the fake clock, it was made.</summary>
    private sealed class RecordingSink(FakeTimeProvider time, Func<int, DeliveryResult>? answer = null) : ISink
    {
        private readonly DateTimeOffset _start = time.GetUtcNow();
        private readonly List<TimeSpan> _attempts = [];

        public string Name => "chat";

        public IReadOnlyList<TimeSpan> Attempts
        {
            get
            {
                lock (_attempts)
                {
                    return [.. _attempts];
                }
            }
        }

        public ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
        {
            int index;
            lock (_attempts)
            {
                index = _attempts.Count;
                _attempts.Add(time.GetUtcNow() - _start);
            }
            return ValueTask.FromResult(answer?.Invoke(index) ?? DeliveryResult.Ok);
        }
    }

    /// <summary>Never answers; notes when its token told it to stop.</summary>
    private sealed class HangingSink : ISink
    {
        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "hang";

        public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Stopped.TrySetResult();
                throw;
            }
            return DeliveryResult.Ok;
        }
    }

    private static PendingDelivery Row(long id, string key, long createdMs) => new(id, id, "chat", "r", key, 0, createdMs, null, createdMs);

    private static Dictionary<long, Lazy<StoredEvent?>> Events(int count) => Enumerable.Range(1, count)
        .ToDictionary(i => (long)i, i => new Lazy<StoredEvent?>(new StoredEvent($"evt-{i}", "org.ganeti.instance-reboot.post", "{}"u8.ToArray())));

    private static Task<List<Outcome>> Run(SinkLane lane, FakeTimeProvider time, long row, int events) =>
        lane.RunGroupAsync([Row(row, $"vm-{row}", time.GetUtcNow().ToUnixTimeMilliseconds())], Events(events), () => time.GetUtcNow().ToUnixTimeMilliseconds(), new Random(1), CancellationToken.None, CancellationToken.None);

    [Theory]
    [InlineData(1.0, 4)]
    [InlineData(4.0, 8)]
    [InlineData(50.0, 40)]
    public async Task A_rate_limited_lane_makes_no_more_attempts_than_its_rate_allows(double perSecond, int count)
    {
        var time = new FakeTimeProvider();
        var sink = new RecordingSink(time);
        using var lane = new SinkLane(sink, new DeliveryPolicy { RatePerSecond = perSecond }, time);
        // Every row its own key, all at once: only the bucket holds them back.
        var groups = Enumerable.Range(1, count).Select(i => Run(lane, time, i, count)).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!groups.All(g => g.IsCompleted))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{sink.Attempts.Count} of {count} attempts after {time.GetUtcNow() - new FakeTimeProvider().GetUtcNow()} on the fake clock");
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
        Assert.All(groups, g => Assert.Equal(OutcomeKind.Delivered, Assert.Single(g.Result).Kind));
        // The bucket holds `burst` tokens and adds `burst` every burst/rate seconds, so attempt k
        // (0-based, in time order) cannot start before floor(k / burst) periods have passed.
        var burst = Math.Max(1, (int)Math.Round(perSecond / 10));
        var period = burst / perSecond;
        var attempts = sink.Attempts.Order().ToList();
        Assert.Equal(count, attempts.Count);
        for (var k = 0; k < count; k++)
        {
            var earliest = TimeSpan.FromSeconds(Math.Floor((double)k / burst) * period);
            Assert.True(attempts[k] >= earliest - TimeSpan.FromMilliseconds(1), $"attempt {k} at {attempts[k].TotalMilliseconds} ms, allowed from {earliest.TotalMilliseconds} ms at {perSecond}/s");
        }
    }

    /// <summary>Fails as told and notes each message's end as the lane reports it.</summary>
    private sealed class EndNotingSink(Func<int, DeliveryResult> answer) : IFinalOutcomeSink
    {
        private int _attempts;

        public List<OutcomeKind> Ends { get; } = [];

        public string Name => "ends";

        public ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken) =>
            ValueTask.FromResult(answer(_attempts++));

        public void Finished(PendingDelivery row, StoredEvent stored, Outcome outcome) => Ends.Add(outcome.Kind);
    }

    [Theory]
    [InlineData(1, OutcomeKind.Delivered)]
    [InlineData(3, OutcomeKind.Dead)]
    public async Task A_sink_that_acts_on_how_a_message_ended_hears_once_at_the_end_and_never_of_a_retry(int failures, OutcomeKind end)
    {
        var sink = new EndNotingSink(i => i < failures ? new DeliveryResult.Retry("not yet") : DeliveryResult.Ok);
        using var lane = new SinkLane(sink, new DeliveryPolicy { MaxAttempts = 3 });
        var row = Row(1, "vm-1", 1000);
        var outcomes = new List<OutcomeKind>();
        for (var attempt = 0; attempt < 3 && (outcomes.Count == 0 || outcomes[^1] == OutcomeKind.Retry); attempt++)
        {
            var outcome = Assert.Single(await lane.RunGroupAsync([row with { Attempts = attempt }], Events(1), () => 1000, new Random(1),
                CancellationToken.None, CancellationToken.None));
            outcomes.Add(outcome.Kind);
            Assert.Equal(outcome.Kind == OutcomeKind.Retry ? 0 : 1, sink.Ends.Count);
        }
        Assert.Equal([end], sink.Ends);
        Assert.Equal(end, outcomes[^1]);
    }

    [Fact]
    public async Task An_attempt_over_its_limit_is_retried_and_the_sink_told_to_stop_so_it_cannot_deliver_later()
    {
        var sink = new HangingSink();
        using var lane = new SinkLane(sink, new DeliveryPolicy { AttemptLimit = TimeSpan.FromMilliseconds(200) });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var outcome = Assert.Single(await lane.RunGroupAsync([Row(1, "vm-1", now)], Events(1), () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            new Random(1), CancellationToken.None, CancellationToken.None));
        Assert.Equal(OutcomeKind.Retry, outcome.Kind);
        Assert.Contains("did not finish within 0.2 s", outcome.Error, StringComparison.Ordinal);
        await sink.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_retry_after_pauses_the_whole_lane_for_as_long_as_the_far_end_asked()
    {
        var time = new FakeTimeProvider();
        var sink = new RecordingSink(time, i => i == 0 ? new DeliveryResult.Retry("429 Too Many Requests", TimeSpan.FromSeconds(2)) : DeliveryResult.Ok);
        using var lane = new SinkLane(sink, new DeliveryPolicy(), time);
        var asked = time.GetUtcNow().ToUnixTimeMilliseconds();

        var refused = Assert.Single(await Run(lane, time, 1, 2));
        Assert.Equal(OutcomeKind.Retry, refused.Kind);
        Assert.True(refused.NextMs >= asked + 2000, $"the refused row may come back after {refused.NextMs - asked} ms");
        Assert.Equal(asked + 2000, lane.PausedUntilMs);

        // Another key, just before the pause ends: not attempted, handed back untouched.
        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(OutcomeKind.Released, Assert.Single(await Run(lane, time, 2, 2)).Kind);
        Assert.Single(sink.Attempts);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(OutcomeKind.Delivered, Assert.Single(await Run(lane, time, 2, 2)).Kind);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(2)], sink.Attempts);
    }

    [Theory]
    [InlineData("type: slack, url: 'http://127.0.0.1:9/x'", 1.0)]
    [InlineData("type: slack, url: 'http://127.0.0.1:9/x', rate_per_s: 4", 4.0)]
    [InlineData("type: webhook, url: 'http://127.0.0.1:9/x'", null)]
    [InlineData("type: webhook, url: 'http://127.0.0.1:9/x', rate_per_s: 0.5", 0.5)]
    public void The_daemon_limits_slack_to_one_message_a_second_unless_told_otherwise(string sink, double? expected)
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes($"sinks: {{ s: {{ {sink} }} }}\nroutes: [ {{ name: r, to: [s] }} ]\n"), "t.yaml");
        Assert.Equal(expected, DeliveryPolicy.For(config.Sinks["s"]).RatePerSecond);
    }

    /// <summary>Takes batches; answers each message as <paramref name="answer"/> says by its place in the batch.</summary>
    private sealed class BatchSink(Func<int, DeliveryResult> answer) : IBatchSink
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];

        public string Name => "file";

        public ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
        {
            Calls.Add([message.EventId]);
            return ValueTask.FromResult(answer(0));
        }

        public ValueTask<IReadOnlyList<DeliveryResult>> DeliverBatchAsync(IReadOnlyList<SinkMessage> messages, CancellationToken cancellationToken)
        {
            Calls.Add([.. messages.Select(m => m.EventId)]);
            return ValueTask.FromResult<IReadOnlyList<DeliveryResult>>([.. messages.Select((_, i) => answer(i))]);
        }
    }

    private static Task<List<Outcome>> RunKey(SinkLane lane, int rows) =>
        lane.RunGroupAsync([.. Enumerable.Range(1, rows).Select(i => Row(i, "vm-1", 1000))], Events(rows), () => 1000, new Random(1),
            CancellationToken.None, CancellationToken.None);

    [Fact]
    public async Task A_batch_sink_gets_a_keys_rows_in_one_attempt_and_each_row_its_own_outcome()
    {
        var sink = new BatchSink(i => i == 1 ? new DeliveryResult.Retry("disk full") : DeliveryResult.Ok);
        using var lane = new SinkLane(sink, new DeliveryPolicy());

        var outcomes = await RunKey(lane, 3);

        Assert.Equal(["evt-1", "evt-2", "evt-3"], Assert.Single(sink.Calls));
        Assert.Equal([OutcomeKind.Delivered, OutcomeKind.Retry, OutcomeKind.Delivered], outcomes.Select(o => o.Kind));
        Assert.Equal((2, 1), (lane.Health.Read().Delivered, lane.Health.Read().FailedAttempts));
    }

    [Fact]
    public async Task A_rate_limited_batch_sink_is_sent_one_message_at_a_time()
    {
        var sink = new BatchSink(_ => DeliveryResult.Ok);
        using var lane = new SinkLane(sink, new DeliveryPolicy { RatePerSecond = 1000 });

        var outcomes = await RunKey(lane, 3);

        Assert.Equal([["evt-1"], ["evt-2"], ["evt-3"]], sink.Calls);
        Assert.All(outcomes, o => Assert.Equal(OutcomeKind.Delivered, o.Kind));
    }

    [Fact]
    public async Task An_unreadable_event_ends_the_batch_before_it_and_holds_back_the_rows_after_it()
    {
        var sink = new BatchSink(_ => DeliveryResult.Ok);
        using var lane = new SinkLane(sink, new DeliveryPolicy());
        var events = Events(4);
        events[3] = new Lazy<StoredEvent?>((StoredEvent?)null);

        var outcomes = await lane.RunGroupAsync([.. Enumerable.Range(1, 4).Select(i => Row(i, "vm-1", 1000))], events, () => 1000, new Random(1),
            CancellationToken.None, CancellationToken.None);

        Assert.Equal(["evt-1", "evt-2"], Assert.Single(sink.Calls));
        Assert.Equal([OutcomeKind.Delivered, OutcomeKind.Delivered, OutcomeKind.Dead, OutcomeKind.Released], outcomes.Select(o => o.Kind));
    }
}
