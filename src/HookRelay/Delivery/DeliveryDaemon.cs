using System.Collections.Concurrent;
using HookRelay.Logging;
using HookRelay.Outbox;
using HookRelay.Rules;
using HookRelay.Sinks;

namespace HookRelay.Delivery;

/// <param name="Drain">Exit once nothing is due within <see cref="IdleHorizon"/> (the one-shot drainer).</param>
/// <param name="ShutdownGrace">How long SIGTERM waits for deliveries under way before cutting them off.</param>
public sealed record DaemonOptions(bool Drain, TimeSpan IdleHorizon, TimeSpan ShutdownGrace)
{
    public static readonly DaemonOptions Service = new(false, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    public static readonly DaemonOptions Drainer = new(true, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30));
}

/// <summary>
/// `hookrelay serve`: moves rows from the outbox to the sinks. One thread owns the database: it
/// records finished groups, schedules new ones and sleeps until woken (a hook's datagram, a
/// finished group) or something falls due. Deliveries run concurrently, per sink and key.
/// A row leaves the queue only when its sink acknowledged it; a crash at any point leaves it
/// pending, so it is delivered again, with the same event id.
/// </summary>
public sealed class DeliveryDaemon
{
    private const int PageSize = 2000;
    /// <summary>
    /// Rows one worker takes of one key at a time. Small: each holds its stored and rendered
    /// event until the group is done, and 4 kept the daemon's peak RSS under 60 MB at 32 workers
    /// for the same throughput as 32 or 64 (BENCHMARKS.md).
    /// </summary>
    private const int MaxGroup = 4;
    /// <summary>Rows held in memory at most; a bigger backlog is read in as the front drains.</summary>
    private const int MaxInMemory = 100_000;
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaintenanceEvery = TimeSpan.FromMinutes(1);

    private readonly HookRelayConfig _config;
    private readonly DaemonOptions _options;
    private readonly OutboxStore _store;
    private readonly Dictionary<string, SinkLane> _lanes;
    private readonly AsyncSignal _signal = new();
    private readonly ConcurrentQueue<(SinkLane Lane, (string, string) Key, List<Outcome> Outcomes)> _finished = new();
    private readonly DeliveryBacklog _queue = new(MaxGroup);
    private long _generation = -1;
    private int _finishedSinceTrim;
    private const int TrimAfter = 500;
    private readonly List<Outcome> _pendingOutcomes = [];
    private readonly List<Task> _running = [];
    private readonly string _owner = $"{Environment.ProcessId}@{Environment.MachineName}";
    private DateTime _nextMaintenance = DateTime.MinValue;
    private readonly DaemonStatusFile _status;

    public DeliveryDaemon(HookRelayConfig config, DaemonOptions options, OutboxStore store, IReadOnlyDictionary<string, SinkLane> lanes)
    {
        _config = config;
        _options = options;
        _store = store;
        _lanes = new Dictionary<string, SinkLane>(lanes, StringComparer.Ordinal);
        _status = new DaemonStatusFile(config.StateDir);
    }

    /// <summary>The newest delivery row that existed when the daemon last looked for work.</summary>
    public long HighestSeenId { get; private set; }

    /// <summary>
    /// Why the daemon let go of the outbox: a hook found it damaged and cannot move it aside while
    /// the daemon has it open (<see cref="OutboxDatabase.Quarantine"/>). Null while it is fine.
    /// </summary>
    public string? OutboxDamaged { get; private set; }

    /// <summary>Wakes the loop; the wake socket and tests call this.</summary>
    public void Wake() => _signal.Raise();

    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async Task RunAsync(CancellationToken stopping)
    {
        var released = _store.ReleaseAllLeases();
        if (released > 0)
        {
            HookLog.Warning($"{released} deliveries were under way when the previous daemon stopped; they will be delivered again (same event ids)");
        }
        using var abort = new CancellationTokenSource();
        var watchdog = SdNotify.WatchdogInterval();
        while (true)
        {
            RecordFinished();
            if (stopping.IsCancellationRequested)
            {
                break;
            }
            if (OutboxDatabase.DamageReported(_config.StateDir) is { } damage)
            {
                // Its rows go aside with the file: deliveries of them under way are cut off, not waited for.
                HookLog.Warning($"outbox reported damaged ({damage}); letting go of it so it can be moved aside, {_running.Count} deliveries under way cut off");
                OutboxDamaged = damage;
                await abort.CancelAsync().ConfigureAwait(false);
                break;
            }
            Maintain();
            var nextDue = Schedule(stopping, abort.Token);
            _status.Update(_lanes);
            if (_options.Drain && _running.Count == 0 && (nextDue is null || nextDue.Value - NowMs() > _options.IdleHorizon.TotalMilliseconds))
            {
                break;
            }
            if (watchdog is not null)
            {
                SdNotify.Send("WATCHDOG=1");
            }
            ReturnMemoryWhenIdle();
            var sleep = nextDue is { } due ? TimeSpan.FromMilliseconds(Math.Clamp(due - NowMs(), 0, MaxSleep.TotalMilliseconds)) : MaxSleep;
            if (watchdog is { } interval && interval / 2 < sleep)
            {
                sleep = interval / 2;
            }
            await _signal.WaitAsync(sleep, stopping).ConfigureAwait(false);
        }
        await FinishUnderWayAsync(abort).ConfigureAwait(false);
        _status.Update(_lanes, now: true);
    }

    /// <summary>On SIGTERM: let deliveries under way finish, within the grace period, then record them.</summary>
    private async Task FinishUnderWayAsync(CancellationTokenSource abort)
    {
        var all = Task.WhenAll(_running);
        if (await Task.WhenAny(all, Task.Delay(_options.ShutdownGrace)).ConfigureAwait(false) != all)
        {
            HookLog.Warning($"deliveries still under way after {_options.ShutdownGrace.TotalSeconds} s; cutting them off, they stay queued");
            await abort.CancelAsync().ConfigureAwait(false);
            // A delivery stuck in the kernel ignores cancellation; its row stays leased and goes
            // out again after the next start. Exiting matters more than waiting for it.
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
        RecordFinished();
    }

    private void RecordFinished()
    {
        while (_finished.TryDequeue(out var done))
        {
            _pendingOutcomes.AddRange(done.Outcomes);
            _finishedSinceTrim += done.Outcomes.Count;
            _queue.Finish(done.Key, done.Outcomes);
            done.Lane.ActiveGroups--;
        }
        _running.RemoveAll(t => t.IsCompleted);
        if (_pendingOutcomes.Count == 0)
        {
            return;
        }
        try
        {
            _store.Complete(_pendingOutcomes, NowMs());
            _pendingOutcomes.Clear();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // Kept in memory and written next time round; the rows stay leased meanwhile, so
            // nothing is sent twice by this daemon. A crash now means redelivery, not loss.
            HookLog.Error($"cannot record {_pendingOutcomes.Count} delivery outcomes yet: {OutboxErrors.Explain(e, _config.StateDir).Message}");
        }
    }

    /// <summary>Starts every group that may start now; returns when the next blocked one falls due.</summary>
    private long? Schedule(CancellationToken stopping, CancellationToken abort)
    {
        var now = NowMs();
        TakeInNewRows();
        var groups = _queue.TakeDue(now, _lanes.ToDictionary(l => l.Key, l => l.Value.Capacity, StringComparer.Ordinal), out var nextDue);
        if (groups.Count == 0)
        {
            return nextDue;
        }
        _store.Lease(groups.SelectMany(g => g.Rows), _owner, now + (long)TimeSpan.FromMinutes(10).TotalMilliseconds);
        // One event going to several sinks is usually scheduled in one pass: loaded and rendered once for all of them.
        var loaded = new Dictionary<long, Lazy<StoredEvent?>>();
        foreach (var group in groups)
        {
            // Each group holds only its own events, so they are freed as soon as the last group holding one is done.
            var events = group.Rows.Select(r => r.EventRow).Distinct().ToDictionary(id => id, id =>
                loaded.TryGetValue(id, out var shared) ? shared : loaded[id] = _store.LoadEvent(id));
            var lane = _lanes[group.Key.Sink];
            lane.ActiveGroups++;
            _running.Add(Task.Run(async () =>
            {
                List<Outcome> outcomes;
                try
                {
                    outcomes = await lane.RunGroupAsync(group.Rows, events, NowMs, Random.Shared, stopping, abort).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    HookLog.Error($"{ActionDestination.Describe(group.Key.Sink)}: delivery worker failed, its rows stay queued: {e.Message}");
                    outcomes = group.Rows.Select(Outcome.Released).ToList();
                }
                _finished.Enqueue((lane, group.Key, outcomes));
                _signal.Raise();
            }, CancellationToken.None));
        }
        return nextDue;
    }

    /// <summary>
    /// Reads rows queued since the last look. When a command (dlq replay, replay --since, dlq
    /// drop) changed old rows, it bumped the requeue generation: then everything is read again.
    /// </summary>
    private void TakeInNewRows()
    {
        var generation = _store.RequeueGeneration();
        if (generation != _generation)
        {
            _queue.Clear();
            _generation = generation;
        }
        while (_queue.Count < MaxInMemory)
        {
            var page = _store.ScanPending(_queue.LoadedUpTo, PageSize);
            _queue.Add(page);
            if (page.Count < PageSize)
            {
                break;
            }
        }
        HighestSeenId = _queue.LoadedUpTo;
        // A sink removed from the configuration, or an action this node no longer runs, can never take its rows.
        foreach (var row in _queue.TakeUnknownSinks(_lanes.Keys.ToHashSet(StringComparer.Ordinal)))
        {
            _pendingOutcomes.Add(new Outcome(row.Id, OutcomeKind.Dead, row.Attempts, row.NextMs, ActionDestination.IsAction(row.Sink, out var action)
                ? $"action '{action}' is not enabled in the configuration (any more); replay with 'hookrelay dlq replay' once it is"
                : $"sink '{row.Sink}' is not in the configuration (any more); replay with 'hookrelay dlq replay' once it is back"));
        }
    }

    /// <summary>
    /// After a burst the GC keeps the heap it grew to (tens of MB of rendered events); once the
    /// backlog is empty, compact and hand that memory back to the system. A daemon that sits idle
    /// for hours between operations should look idle.
    /// </summary>
    private void ReturnMemoryWhenIdle()
    {
        if (_running.Count > 0 || _queue.Count > 0 || _finishedSinceTrim < TrimAfter)
        {
            return;
        }
        _finishedSinceTrim = 0;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private void Maintain()
    {
        if (DateTime.UtcNow < _nextMaintenance)
        {
            return;
        }
        _nextMaintenance = DateTime.UtcNow + MaintenanceEvery;
        try
        {
            OutboxRetention.Prune(_store.Connection, _config.Delivery, NowMs());
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            HookLog.Error($"outbox maintenance failed, will try again: {e.Message}");
        }
    }
}
