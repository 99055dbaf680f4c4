using System.CommandLine;
using System.Runtime.InteropServices;
using HookRelay.Delivery;
using HookRelay.Logging;
using HookRelay.Outbox;
using HookRelay.Rules;
using HookRelay.Web;
using Microsoft.Data.Sqlite;

namespace HookRelay.Cli;

/// <summary>`hookrelay serve [--drain]`: the delivery daemon, or the one-shot drainer hooks start when there is none.</summary>
public static class ServeCommand
{
    public static Command Create(Option<string> configOption)
    {
        var drain = new Option<bool>("--drain")
        {
            Description = "Deliver what is due, then exit once nothing falls due within a minute (what hooks start when no daemon runs)",
        };
        var command = new Command("serve", "Deliver queued events to their sinks: retries, ordering per instance, dead letters. "
            + "SIGTERM finishes deliveries under way and exits; SIGHUP reads the configuration again. "
            + "Speaks systemd's notify protocol (Type=notify, WatchdogSec) when started by systemd.")
        {
            drain,
        };
        command.SetAction((result, _) => RunAsync(result.GetValue(configOption)!, result.GetValue(drain)));
        return command;
    }

    private static HookRelayConfig Said(LastGoodConfig.InForce inForce, string configPath)
    {
        if (inForce.FileError is { } broken)
        {
            Console.Error.WriteLine($"hookrelay: serve --drain: {configPath} is unusable ({broken.Summary}); delivering with the last good configuration ({inForce.LastGood!.CopyPath})");
        }
        return inForce.Config;
    }

    public static async Task<int> RunAsync(string configPath, bool drain)
    {
        // The drainer a hook started delivers what that hook queued with the configuration it ran
        // with: the last good one while the file is broken. The daemon wants the file fixed.
        var config = drain
            ? ConfigOption.LoadInForceOrReport(configPath, Console.Error) is { } inForce ? Said(inForce, configPath) : null
            : ConfigOption.LoadOrReport(configPath, Console.Error);
        if (config is null)
        {
            return ExitCodes.Failed;
        }
        var current = new ServedConfig(configPath, config);
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        HangupSignal.Restore();
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            current.RequestReload();
        });
        var waitingSaid = false;
        var drainerTries = 0;
        long seen = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Directory.CreateDirectory(current.Config.StateDir);
                using var held = ServeLock.TryTake(current.Config.StateDir, drain);
                if (held is null)
                {
                    if (drain)
                    {
                        // Someone is delivering already, unless the holder was `status` probing the
                        // lock for a moment: look again briefly before leaving the rows to them.
                        if (++drainerTries < 5)
                        {
                            await Task.Delay(100, stop.Token).ConfigureAwait(false);
                            continue;
                        }
                        return ExitCodes.Ok;
                    }
                    var holder = ServeLock.Holder(current.Config.StateDir) ?? "";
                    if (holder.StartsWith("serve", StringComparison.Ordinal))
                    {
                        Console.Error.WriteLine($"hookrelay: another 'hookrelay serve' is running ({holder}); one per state directory ({current.Config.StateDir})");
                        return ExitCodes.Failed;
                    }
                    if (!waitingSaid)
                    {
                        HookLog.Info($"waiting for the drainer ({holder}) to finish");
                        waitingSaid = true;
                    }
                    await Task.Delay(200, stop.Token).ConfigureAwait(false);
                    continue;
                }
                seen = await DeliverAsync(current, drain, stop.Token).ConfigureAwait(false);
            }
            catch (SqliteException e) when (OutboxErrors.IsDamaged(e))
            {
                OutboxDatabase.Quarantine(current.Config.StateDir, e.Message, new OutboxOptions(false, TimeSpan.FromSeconds(30), current.Config.Delivery.MaxDbBytes));
                continue;
            }
            catch (OutboxException e)
            {
                HookLog.Error(e.Message);
                return ExitCodes.Failed;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            // The lock and the wake socket are released now. A hook that queued while a drainer was
            // on its way out found the socket and started no one: look once more, now nobody listens.
            if (!drain || !QueuedSince(current.Config, seen))
            {
                break;
            }
        }
        return ExitCodes.Ok;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            SdNotify.Send("STOPPING=1");
            stop.Cancel();
        }
    }

    /// <summary>
    /// Delivers while this process holds the lock and the wake socket. SIGHUP ends a cycle like
    /// SIGTERM does (deliveries under way finish) and starts the next with the configuration
    /// read again; a configuration that does not load is refused and the old one kept.
    /// Returns the newest row the daemon had seen when it stopped.
    /// </summary>
    private static async Task<long> DeliverAsync(ServedConfig current, bool drain, CancellationToken stop)
    {
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var wake = new WakeListener(current.Config.StateDir);
        DeliveryDaemon? daemon = null;
        var listener = wake.ListenAsync(() => Volatile.Read(ref daemon)?.Wake(), listening.Token);
        long seen = 0;
        // Kept across reloads: an unchanged sink keeps its pause and rate limit.
        var ownEvents = new OwnEvents(() => current.Config, () => Volatile.Read(ref daemon)?.Wake());
        using var lanes = new SinkLanes(ownEvents);
        // Job events from Ganeti's queue: the service's, on the master, when a route asks for kind="job".
        using var jobs = drain ? null : new Jobs.JobQueueWatcher(() => current.Config, ownEvents, LocalCluster.DefaultDirectory);
        // Hook events carry the job that ran them, wherever this node has a copy of the queue.
        var jobJoin = Jobs.JobJoin.For(LocalCluster.DefaultDirectory);
        // The lanes in force, for /metrics on the listener's threads (Update runs on this one).
        IReadOnlyDictionary<string, SinkLane> served = new Dictionary<string, SinkLane>();
        // A one-shot drainer (a hook started it) serves no listener: nothing of it is built.
        using var metrics = drain ? null : new DaemonMetrics(new DaemonMetrics.HookRelayConfigView(() => current.Config.StateDir, () => current.Config.Hash,
            VersionCommand.InformationalVersion), () => Volatile.Read(ref served));
        using var web = new WebSwitch(metrics is null ? null : new WebRoutes(metrics, new EventApi(() => current.Config.StateDir, jobJoin),
            new DeadLetterApi(() => current.Config, () => Volatile.Read(ref daemon)?.Wake()),
            new SinkStatusApi(() => current.Config.StateDir, () => Volatile.Read(ref served))));
        SdNotify.Send("READY=1");
        while (true)
        {
            using var cycle = CancellationTokenSource.CreateLinkedTokenSource(stop);
            current.Cycle = cycle;
            if (current.ReloadRequested)
            {
                // A SIGHUP that came between two cycles found no cycle to end: end this one now.
                await cycle.CancelAsync().ConfigureAwait(false);
            }
            var config = current.Config;
            string? damaged;
            using (var store = OutboxStore.Open(config.StateDir, config.Delivery.MaxDbBytes, jobJoin))
            {
                var laneSet = lanes.Update(config);
                Volatile.Write(ref served, laneSet);
                web.Apply(config.Web);
                var running = new DeliveryDaemon(config, drain ? DaemonOptions.Drainer : DaemonOptions.Service, store, laneSet);
                Volatile.Write(ref daemon, running);
                if (!drain)
                {
                    HookLog.Info($"serve: delivering from {OutboxDatabase.PathIn(config.StateDir)} to {config.Sinks.Count} sinks");
                }
                await running.RunAsync(cycle.Token).ConfigureAwait(false);
                seen = running.HighestSeenId;
                damaged = running.OutboxDamaged;
            }
            if (damaged is not null && !stop.IsCancellationRequested)
            {
                // Closed now, so it can be moved aside; the next cycle starts on the fresh file.
                OutboxDatabase.Quarantine(config.StateDir, damaged, new OutboxOptions(false, TimeSpan.FromSeconds(30), config.Delivery.MaxDbBytes));
                seen = 0;
                continue;
            }
            if (stop.IsCancellationRequested || !current.TakeReloadRequest())
            {
                break;
            }
            SdNotify.Send("RELOADING=1");
            current.Reload();
            SdNotify.Send("READY=1");
        }
        await listening.CancelAsync().ConfigureAwait(false);
        await listener.ConfigureAwait(false);
        return seen;
    }

    /// <summary>
    /// The web listener of the configuration in force: started with the daemon, restarted by a
    /// reload that changed where it listens or its token, never run by a one-shot drainer.
    /// </summary>
    private sealed class WebSwitch(WebRoutes? routes) : IDisposable
    {
        private (string Listen, string? Token)? _applied;
        private WebListener? _listener;

        public void Apply(WebSettings? settings)
        {
            var wanted = settings is null || routes is null ? ((string, string?)?)null : (settings.Listen, settings.Token);
            if (wanted == _applied)
            {
                return;
            }
            _listener?.Dispose();
            _listener = settings is not null && routes is not null ? WebListener.Start(settings, routes) : null;
            _applied = wanted;
        }

        public void Dispose() => _listener?.Dispose();
    }

    private static bool QueuedSince(HookRelayConfig config, long seen)
    {
        using var store = OutboxStore.Open(config.StateDir, config.Delivery.MaxDbBytes);
        return store.HighestPendingId() > seen;
    }

    /// <summary>The configuration being served, and SIGHUP's request to read it again.</summary>
    private sealed class ServedConfig
    {
        private readonly string _path;
        private int _reloadRequested;

        public ServedConfig(string path, HookRelayConfig config)
        {
            _path = path;
            Config = config;
        }

        /// <summary>The configuration in force; every event rendered from now on is stamped with its hash.</summary>
        public HookRelayConfig Config
        {
            get;
            private set
            {
                field = value;
                Events.EventStamp.Current = new Events.EventStamp(VersionCommand.InformationalVersion, value.Hash);
            }
        }

        public CancellationTokenSource? Cycle { get; set; }

        public void RequestReload()
        {
            Interlocked.Exchange(ref _reloadRequested, 1);
            try
            {
                Cycle?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Between two cycles: the next one sees the request as it starts.
            }
        }

        public bool ReloadRequested => Volatile.Read(ref _reloadRequested) == 1;

        public bool TakeReloadRequest() => Interlocked.Exchange(ref _reloadRequested, 0) == 1;

        public void Reload()
        {
            var errors = new StringWriter();
            if (ConfigOption.LoadOrReport(_path, errors) is not { } loaded)
            {
                HookLog.Error($"reload refused, still serving the previous configuration: {errors.ToString().Trim()}");
                return;
            }
            if (loaded.StateDir != Config.StateDir)
            {
                HookLog.Error($"reload refused: state_dir changed ({Config.StateDir} → {loaded.StateDir}); restart hookrelay serve to move it");
                return;
            }
            Config = loaded;
            HookLog.Info($"configuration reloaded from {_path} ({loaded.Sinks.Count} sinks, {loaded.Routes.Count} routes)");
        }
    }
}
