using System.Threading.RateLimiting;
using HookRelay.Logging;
using HookRelay.Outbox;
using HookRelay.Sinks;

namespace HookRelay.Delivery;

/// <summary>
/// One sink as the daemon drives it: its policy, a rate limiter, how many groups are out, a pause
/// when the far end asked for one (429 Retry-After), and whether it is currently failing, so the
/// log says "failing" and "recovered" once instead of once per event.
/// </summary>
public sealed class SinkLane : IDisposable
{
    private readonly TokenBucketRateLimiter? _rate;
    private readonly ITimer? _replenisher;
    private long _pausedUntilMs;
    private int _failing;

    public SinkLane(ISink sink, DeliveryPolicy policy, TimeProvider? time = null)
    {
        Sink = sink;
        Policy = policy;
        if (policy.RatePerSecond is { } perSecond)
        {
            // Tokens come in small steps (about ten a second) so a limit of 1/s really is one a second.
            var tokens = Math.Max(1, (int)Math.Round(perSecond / 10));
            var period = TimeSpan.FromSeconds(tokens / perSecond);
            _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = tokens,
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = period,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = false,
            });
            // The lane refills the bucket on its own timer (each call adds one period's tokens), so
            // the rate follows the TimeProvider: the real clock in the daemon, a fake one in tests.
            var bucket = _rate;
            _replenisher = (time ?? TimeProvider.System).CreateTimer(_ => bucket.TryReplenish(), null, period, period);
        }
    }

    public ISink Sink { get; }

    /// <summary>Where a dead letter is announced (<see cref="DeadLetterEvent"/>); none in tests that do not ask.</summary>
    public OwnEvents? OwnEvents { get; init; }

    public DeliveryPolicy Policy { get; }

    public SinkHealth Health { get; } = new();

    public int ActiveGroups { get; set; }

    public long PausedUntilMs => Interlocked.Read(ref _pausedUntilMs);

    public LaneCapacity Capacity => new(Policy.Concurrency - ActiveGroups, PausedUntilMs);

    /// <summary>
    /// Whether this sink takes a key's rows in one attempt (<see cref="IBatchSink"/>). Not when a
    /// rate limit is set: the limit counts messages one by one.
    /// </summary>
    private bool Batches => Sink is IBatchSink && _rate is null;

    /// <summary>Delivers a key's rows in order, stopping at the first that is not delivered.</summary>
    public async Task<List<Outcome>> RunGroupAsync(IReadOnlyList<PendingDelivery> rows, IReadOnlyDictionary<long, Lazy<StoredEvent?>> events,
        Func<long> clock, Random random, CancellationToken stopping, CancellationToken abort)
    {
        var outcomes = new List<Outcome>(rows.Count);
        var next = 0;
        while (next < rows.Count)
        {
            var row = rows[next];
            if (outcomes.Count > 0 && outcomes[^1].Kind != OutcomeKind.Delivered || stopping.IsCancellationRequested || PausedUntilMs > clock())
            {
                outcomes.Add(Outcome.Released(row));
                next++;
                continue;
            }
            if (Readable(row, events) is not { } first)
            {
                const string unreadable = "the stored event is missing or unreadable (see the daemon's log)";
                outcomes.Add(new Outcome(row.Id, OutcomeKind.Dead, row.Attempts, row.NextMs, unreadable));
                Health.Failed(clock(), unreadable, dead: true);
                next++;
                continue;
            }
            // One row, or for a batch sink this one and the readable rows after it.
            var attempt = new List<(PendingDelivery Row, StoredEvent Stored)> { (row, first) };
            while (Batches && next + attempt.Count < rows.Count && Readable(rows[next + attempt.Count], events) is { } stored)
            {
                attempt.Add((rows[next + attempt.Count], stored));
            }
            next += attempt.Count;
            var results = await AttemptAsync([.. attempt.Select(a => new SinkMessage(a.Stored.EventId, a.Row.Routes, a.Stored.Type, a.Stored.Body) { DataLast = a.Stored.DataLast })], clock, abort)
                .ConfigureAwait(false);
            var now = clock();
            for (var i = 0; i < attempt.Count; i++)
            {
                var (attempted, stored) = attempt[i];
                if (results is null)
                {
                    outcomes.Add(Outcome.Released(attempted));
                    continue;
                }
                var outcome = OutcomeRules.Decide(attempted, results[i], Policy, now, random);
                if (results[i] is DeliveryResult.Retry { After: { } after })
                {
                    Pause(now + (long)Math.Min(after.TotalMilliseconds, Policy.MaxRetryAfter.TotalMilliseconds));
                }
                Report(attempted, stored, outcome, now);
                outcomes.Add(outcome);
            }
        }
        return outcomes;
    }

    private static StoredEvent? Readable(PendingDelivery row, IReadOnlyDictionary<long, Lazy<StoredEvent?>> events) =>
        events.GetValueOrDefault(row.EventRow)?.Value;

    /// <summary>
    /// One attempt, of one message or of a batch: a result per message, or null when it was cut
    /// short by shutdown or a pause (not counted as an attempt). The sink runs on the thread pool
    /// under a deadline: a write that blocks in the kernel (a FIFO with no reader, a hung NFS
    /// mount) cannot be cancelled, but it must not hold its key, or a drainer's exit, forever. It
    /// is abandoned as a failed attempt and retried. The sink is told as well (its token is
    /// cancelled at the deadline), so an attempt that can stop does, and cannot deliver after its
    /// retry has.
    /// </summary>
    private async Task<IReadOnlyList<DeliveryResult>?> AttemptAsync(IReadOnlyList<SinkMessage> messages, Func<long> clock, CancellationToken abort)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(abort);
        IReadOnlyList<DeliveryResult> All(DeliveryResult result) => [.. messages.Select(_ => result)];
        try
        {
            if (_rate is not null)
            {
                using var lease = await _rate.AcquireAsync(messages.Count, abort).ConfigureAwait(false);
                // Another key's 429 may have paused the sink while this one waited for its turn.
                if (PausedUntilMs > clock())
                {
                    return null;
                }
            }
            var attempt = Task.Run(async () => Sink is IBatchSink batch && messages.Count > 1
                ? await batch.DeliverBatchAsync(messages, deadline.Token).ConfigureAwait(false)
                : [await Sink.DeliverAsync(messages[0], deadline.Token).ConfigureAwait(false)], CancellationToken.None);
            var results = await attempt.WaitAsync(Policy.AttemptLimit, abort).ConfigureAwait(false);
            return results.Count == messages.Count
                ? results
                : All(new DeliveryResult.Retry($"the sink answered {results.Count} results for {messages.Count} messages (a bug: please report it)"));
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return null;
        }
        catch (TimeoutException)
        {
            await deadline.CancelAsync().ConfigureAwait(false);
            return All(new DeliveryResult.Retry($"the delivery did not finish within {Policy.AttemptLimit.TotalSeconds:0.###} s and was stopped"));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A sink bug must cost one retry, not the daemon.
            return All(new DeliveryResult.Retry($"{e.GetType().Name}: {e.Message}"));
        }
    }

    private void Pause(long untilMs)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _pausedUntilMs);
            if (untilMs <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _pausedUntilMs, untilMs, current) != current);
    }

    private void Report(PendingDelivery row, StoredEvent stored, Outcome outcome, long nowMs)
    {
        if (outcome.Kind is OutcomeKind.Delivered or OutcomeKind.Dead && Sink is IFinalOutcomeSink final)
        {
            final.Finished(row, stored, outcome);
        }
        if (outcome.Kind == OutcomeKind.Delivered)
        {
            Health.Delivered(nowMs);
        }
        else
        {
            Health.Failed(nowMs, outcome.Error, outcome.Kind == OutcomeKind.Dead);
        }
        switch (outcome.Kind)
        {
            case OutcomeKind.Delivered when Interlocked.Exchange(ref _failing, 0) == 1:
                HookLog.Info($"{Rules.ActionDestination.Describe(Sink.Name)} delivers again");
                break;
            case OutcomeKind.Retry when Interlocked.Exchange(ref _failing, 1) == 0:
                HookLog.Warning($"{Rules.ActionDestination.Describe(Sink.Name)} is failing, retrying with backoff: {outcome.Error}");
                break;
            case OutcomeKind.Dead:
                HookLog.Error($"{Rules.ActionDestination.Describe(Sink.Name)}: event {stored.EventId} ({stored.Type}, key {row.OrderingKey}) moved to the dead letters: {outcome.Error}");
                AnnounceDeadLetter(row, stored, outcome);
                break;
        }
    }

    /// <summary>
    /// A hook event given up becomes an event of its own, for the routes that ask for dead letters.
    /// Not an action's (its outcome event says it failed), and not one of HookRelay's own events:
    /// a dead alert sink must not feed itself.
    /// </summary>
    private void AnnounceDeadLetter(PendingDelivery row, StoredEvent stored, Outcome outcome)
    {
        if (OwnEvents is null || Sink is IFinalOutcomeSink || OwnEvent.IsOwn(stored.Type))
        {
            return;
        }
        try
        {
            OwnEvents.Publish(DeadLetterEvent.Compose(stored, Sink.Name, outcome.Attempts, outcome.Error ?? "given up", DateTimeOffset.UtcNow), row.OrderingKey);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            HookLog.Error($"sink '{Sink.Name}': the dead letter of event {stored.EventId} could not be announced: {e.Message}");
        }
    }

    public void Dispose()
    {
        _replenisher?.Dispose();
        _rate?.Dispose();
        (Sink as IDisposable)?.Dispose();
    }
}
