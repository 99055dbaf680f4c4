using System.CommandLine;
using System.Runtime.InteropServices;
using HookRelay.Delivery;
using HookRelay.Logging;
using HookRelay.Outbox;
using HookRelay.Rules;
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
            + "SIGTERM finishes deliveries under way and exits. Speaks systemd's notify protocol (Type=notify, WatchdogSec) when started by systemd.")
        {
            drain,
        };
        command.SetAction((result, _) => RunAsync(result.GetValue(configOption)!, result.GetValue(drain)));
        return command;
    }

    public static async Task<int> RunAsync(string configPath, bool drain)
    {
        if (ConfigOption.LoadOrReport(configPath, Console.Error) is not { } config)
        {
            return ExitCodes.Failed;
        }
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var waitingSaid = false;
        long seen = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Directory.CreateDirectory(config.StateDir);
                using var held = ServeLock.TryTake(config.StateDir, drain);
                if (held is null)
                {
                    if (drain)
                    {
                        return ExitCodes.Ok; // Someone is delivering already.
                    }
                    var holder = ServeLock.Holder(config.StateDir) ?? "";
                    if (holder.StartsWith("serve", StringComparison.Ordinal))
                    {
                        Console.Error.WriteLine($"hookrelay: another 'hookrelay serve' is running ({holder}); one per state directory ({config.StateDir})");
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
                seen = await DeliverAsync(config, drain, stop.Token).ConfigureAwait(false);
            }
            catch (SqliteException e) when (OutboxErrors.IsDamaged(e))
            {
                OutboxDatabase.Quarantine(config.StateDir, e, new OutboxOptions(false, TimeSpan.FromSeconds(30), config.Delivery.MaxDbBytes));
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
            if (!drain || !QueuedSince(config, seen))
            {
                break;
            }
        }
        return ExitCodes.Ok;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Returns the newest row the daemon had seen when it stopped.</summary>
    private static async Task<long> DeliverAsync(HookRelayConfig config, bool drain, CancellationToken stop)
    {
        using var store = OutboxStore.Open(config.StateDir, config.Delivery.MaxDbBytes);
        using var daemon = new DeliveryDaemon(config, drain ? DaemonOptions.Drainer : DaemonOptions.Service, store, DeliveryDaemon.BuildLanes(config));
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task listener;
        using (var wake = new WakeListener(config.StateDir))
        {
            listener = wake.ListenAsync(daemon.Wake, listening.Token);
            if (!drain)
            {
                HookLog.Info($"serve: delivering from {OutboxDatabase.PathIn(config.StateDir)} to {config.Sinks.Count} sinks");
            }
            await daemon.RunAsync(stop).ConfigureAwait(false);
            await listening.CancelAsync().ConfigureAwait(false);
        }
        await listener.ConfigureAwait(false);
        return daemon.HighestSeenId;
    }

    private static bool QueuedSince(HookRelayConfig config, long seen)
    {
        using var store = OutboxStore.Open(config.StateDir, config.Delivery.MaxDbBytes);
        return store.HighestPendingId() > seen;
    }
}
