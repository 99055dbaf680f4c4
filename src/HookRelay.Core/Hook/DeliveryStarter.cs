using HookRelay.Logging;
using HookRelay.Outbox;
using HookRelay.Rules;

namespace HookRelay.Hook;

/// <summary>
/// After a hook queued an event: wake the daemon, or, with none running, do what
/// delivery.without_daemon says. The default starts a one-shot drainer, because an operator who
/// installed the hook and no service still expects the events to arrive.
/// </summary>
public static class DeliveryStarter
{
    public static void Kick(HookRelayConfig config)
    {
        if (WakeSignal.Notify(config.StateDir) || config.Delivery.WithoutDaemon == WithoutDaemon.Keep)
        {
            return;
        }
        if (Binaries.Cli is not { } binary)
        {
            HookLog.Warning("no 'hookrelay serve' is running and the hookrelay executable to start a drainer with was not found; events wait in the outbox");
            return;
        }
        if (DrainerLauncher.Start(binary, ["serve", "--drain", "--config", config.SourcePath]) is { } problem)
        {
            HookLog.Warning($"no 'hookrelay serve' is running and {problem}; events wait in the outbox");
        }
    }
}
