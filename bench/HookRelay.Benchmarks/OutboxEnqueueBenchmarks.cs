using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using HookRelay.Cli;
using HookRelay.Events;
using HookRelay.Outbox;
using HookRelay.Rules;

namespace HookRelay.Benchmarks;

/// <summary>
/// What a hook does to make one event durable: open the outbox, insert the event and one row
/// per sink in a transaction, commit, close. Warm and in-process; the cold whole-process cost is
/// bench/hook-startup.sh. Fsync=true is synchronous=FULL (the default), false is NORMAL.
/// </summary>
[Config(typeof(BenchSupport.Percentiles))]
#pragma warning disable CA1001 // the held connection is disposed in GlobalCleanup, as BenchmarkDotNet expects
public class OutboxEnqueueBenchmarks
{
    private string _stateDir = "";
    private HookEvent _event = null!;
    private IReadOnlyList<PlannedDelivery> _deliveries = [];

    [Params(true, false)]
    public bool Fsync { get; set; }

    /// <summary>Whether another connection (a running daemon) holds the outbox open, as in production.</summary>
    [Params(true, false)]
    public bool DaemonRunning { get; set; }

    private Microsoft.Data.Sqlite.SqliteConnection? _daemon;

    [GlobalSetup]
    public void Setup()
    {
        var capture = Path.Combine(BenchSupport.FindUp("tests/HookRelay.Tests/Fixtures/envs"), "instance-migrate-post-node1-01.json");
        _event = HookEventParser.Parse(EnvFile.Read(capture), "node1.lab.example");
        _deliveries = [new PlannedDelivery("live-migrations", "chat"), new PlannedDelivery("live-migrations", "grafana")];
        _stateDir = Path.Combine(Path.GetTempPath(), "hookrelay-bench-" + Guid.NewGuid().ToString("N"));
        if (DaemonRunning)
        {
            // Without it, each hook is the outbox's last connection and checkpoints the WAL on close.
            _daemon = OutboxDatabase.Open(_stateDir, new OutboxOptions(false, TimeSpan.FromSeconds(10), OutboxDatabase.DefaultMaxSizeBytes));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _daemon?.Dispose();
        Directory.Delete(_stateDir, recursive: true);
    }

    [Benchmark]
    public void Enqueue()
    {
        var record = HookRecord.For(_event, "node1.lab.example", DateTimeOffset.UtcNow);
        OutboxWriter.Enqueue(_stateDir, new OutboxOptions(Fsync, TimeSpan.FromSeconds(10), OutboxDatabase.DefaultMaxSizeBytes), record, _event, _deliveries);
    }
}
