using System.Text.Json;
using HookRelay.Delivery;
using HookRelay.Hook;
using HookRelay.Outbox;
using Microsoft.Data.Sqlite;
using Prometheus;

namespace HookRelay.Web;

/// <summary>
/// What `hookrelay serve` tells Prometheus on /metrics, gathered when it is scraped: deliveries by
/// sink and outcome (each lane's <see cref="SinkHealth"/>), the queue and the dead letters (the
/// outbox, read on a connection of its own), hook runs, their wall time and the gates' verdicts (the
/// run journal the hooks write), action outcomes (the action journal). Counters start at the
/// daemon's start, as Prometheus expects of a process.
/// </summary>
public sealed class DaemonMetrics : IDisposable
{
    // From 1 ms to about 8 s: a hook that matches nothing takes a few ms; one past its budget, seconds.
    private static readonly double[] HookSeconds = Histogram.ExponentialBuckets(0.001, 2, 14);

    private readonly HookRelayConfigView _config;
    private readonly Func<IReadOnlyDictionary<string, SinkLane>> _lanes;
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _deliveries;
    private readonly Gauge _failing;
    private readonly Gauge _lastDelivered;
    private readonly Gauge _queueDepth;
    private readonly Gauge _queueOldest;
    private readonly Gauge _deadLetters;
    private readonly Counter _hookRuns;
    private readonly Histogram _hookSeconds;
    private readonly Counter _gateVerdicts;
    private readonly Counter _actionRuns;
    private readonly Gauge _info;
    private readonly JournalFollower _hookJournal;
    private readonly JournalFollower _actionJournal;
    private readonly Dictionary<(string Sink, string Outcome), long> _counted = [];
    private readonly SemaphoreSlim _scrape = new(1, 1);
    private (string Version, string ConfigHash)? _infoLabels;

    /// <summary>What the metrics read of the configuration in force (it changes on SIGHUP).</summary>
    public sealed record HookRelayConfigView(Func<string> StateDir, Func<string> ConfigHash, string Version);

    public DaemonMetrics(HookRelayConfigView config, Func<IReadOnlyDictionary<string, SinkLane>> lanes)
    {
        _config = config;
        _lanes = lanes;
        var metrics = Metrics.WithCustomRegistry(_registry);
        _deliveries = metrics.CreateCounter("hookrelay_deliveries_total",
            "Delivery attempts finished, by sink (action:NAME for a node action) and outcome: delivered, failed (an attempt that will be retried or was the last), dead_lettered.",
            "sink", "outcome");
        _failing = metrics.CreateGauge("hookrelay_sink_failing", "1 while a sink's attempts fail since its last delivery.", "sink");
        _lastDelivered = metrics.CreateGauge("hookrelay_sink_last_delivery_timestamp_seconds", "When a sink last delivered (Unix time).", "sink");
        _queueDepth = metrics.CreateGauge("hookrelay_queue_depth", "Deliveries waiting in the outbox, by sink.", "sink");
        _queueOldest = metrics.CreateGauge("hookrelay_queue_oldest_age_seconds", "Age of the oldest event a sink has not taken yet (0 when none waits).", "sink");
        _deadLetters = metrics.CreateGauge("hookrelay_dead_letters", "Dead letters kept in the outbox, by sink ('hookrelay dlq list').", "sink");
        _hookRuns = metrics.CreateCounter("hookrelay_hook_runs_total",
            "Hook runs on this node, by hooks path, phase, node and outcome: queued, nothing (no route, gate or action applied), denied, error (not queued).",
            "hook", "phase", "node", "outcome");
        _hookSeconds = metrics.CreateHistogram("hookrelay_hook_duration_seconds", "Wall time HookRelay took inside the Ganeti job, per hook run.",
            new HistogramConfiguration { LabelNames = ["hook", "phase"], Buckets = HookSeconds });
        _gateVerdicts = metrics.CreateCounter("hookrelay_gate_verdicts_total", "Gate decisions on this node: allow, deny, error, timeout.", "gate", "verdict");
        _actionRuns = metrics.CreateCounter("hookrelay_action_runs_total", "Node action runs: done, skipped, failed.", "action", "outcome");
        _info = metrics.CreateGauge("hookrelay_info", "Always 1: which HookRelay and which configuration this daemon runs.", "version", "config_hash");
        _hookJournal = new JournalFollower(Path.Combine(config.StateDir(), RunJournal.FileName));
        _actionJournal = new JournalFollower(Path.Combine(config.StateDir(), Actions.ActionJournal.FileName));
        _hookJournal.SkipToEnd();
        _actionJournal.SkipToEnd();
    }

    /// <summary>The Prometheus text format, as of now.</summary>
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        await _scrape.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Refresh();
            await _registry.CollectAndExportAsTextAsync(output, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _scrape.Release();
        }
    }

    private void Refresh()
    {
        var info = (_config.Version, _config.ConfigHash());
        if (_infoLabels is { } before && before != info)
        {
            // A reload with another configuration: one info series, the one in force.
            _info.RemoveLabelled(before.Version, before.ConfigHash);
        }
        _infoLabels = info;
        _info.WithLabels(info.Version, info.Item2).Set(1);
        RefreshSinks();
        RefreshOutbox();
        foreach (var run in _hookJournal.ReadAppended())
        {
            CountHookRun(run);
        }
        foreach (var run in _actionJournal.ReadAppended())
        {
            _actionRuns.WithLabels(run.TextOf("action"), run.TextOf("outcome")).Inc();
        }
    }

    private void RefreshSinks()
    {
        foreach (var (name, lane) in _lanes())
        {
            var health = lane.Health.Read();
            CountUp(name, "delivered", health.Delivered);
            CountUp(name, "failed", health.FailedAttempts);
            CountUp(name, "dead_lettered", health.DeadLettered);
            _failing.WithLabels(name).Set(health.FailingSinceMs is null ? 0 : 1);
            if (health.LastDeliveredMs is { } ms)
            {
                _lastDelivered.WithLabels(name).Set(ms / 1000.0);
            }
        }
    }

    /// <summary>
    /// A lane's counts only grow, but a reload that changes a sink starts a new lane at zero: the
    /// counter goes up by what is new either way, so it never falls.
    /// </summary>
    private void CountUp(string sink, string outcome, long now)
    {
        var before = _counted.GetValueOrDefault((sink, outcome));
        // By nothing too: the series exists at 0 from the first scrape, so increase() sees its first count.
        _deliveries.WithLabels(sink, outcome).Inc(now >= before ? now - before : now);
        _counted[(sink, outcome)] = now;
    }

    private void RefreshOutbox()
    {
        if (SinkQueues.Read(_config.StateDir()) is not { } queues)
        {
            return;
        }
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var sink in _lanes().Keys.Union(queues.Keys))
        {
            var queue = queues.GetValueOrDefault(sink);
            _queueDepth.WithLabels(sink).Set(queue?.Pending ?? 0);
            _queueOldest.WithLabels(sink).Set(queue?.OldestPendingMs is { } ms ? Math.Max(0, nowMs - ms) / 1000.0 : 0);
            _deadLetters.WithLabels(sink).Set(queue?.Dead ?? 0);
        }
    }

    private void CountHookRun(JsonElement run)
    {
        var hook = run.TextOf("hook");
        var phase = run.TextOf("phase");
        _hookRuns.WithLabels(hook, phase, run.TextOf("node"), ResultOf(run)).Inc();
        if (run.TryGetProperty("ms", out var ms) && ms.TryGetDouble(out var milliseconds))
        {
            _hookSeconds.WithLabels(hook, phase).Observe(milliseconds / 1000);
        }
        if (run.TryGetProperty("gates", out var gates) && gates.ValueKind == JsonValueKind.Array)
        {
            foreach (var gate in gates.EnumerateArray())
            {
                _gateVerdicts.WithLabels(gate.TextOf("name"), gate.TextOf("verdict")).Inc();
            }
        }
    }

    /// <summary>
    /// The run's result (queued, nothing, denied, error) as the hook recorded it. A line from a hook
    /// older than that field (during an upgrade, the journal still holds them) is read from its
    /// sentence, which said the same in words.
    /// </summary>
    public static string ResultOf(JsonElement run)
    {
        if (run.TextOf("result") is { Length: > 0 } result)
        {
            return result;
        }
        var sentence = run.TextOf("outcome");
        return sentence.StartsWith("denied", StringComparison.Ordinal) ? RunOutcome.Denied
            : sentence.StartsWith("NOT queued", StringComparison.Ordinal) ? RunOutcome.Error
            : sentence.Contains("queued for", StringComparison.Ordinal) ? RunOutcome.Queued
            : RunOutcome.Nothing;
    }

    public void Dispose() => _scrape.Dispose();
}
