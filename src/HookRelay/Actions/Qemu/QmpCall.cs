using System.Net.Sockets;

namespace HookRelay.Actions.Qemu;

/// <summary>
/// One action's session with an instance's QEMU, and what each way it can go wrong means for the
/// action: no socket or a refused one, the instance is not running here (skipped); no answer in
/// time or a broken connection, worth another attempt; QEMU refusing a command, not. QMP
/// (ctrl/instance.qmp) where there is one; else, for an action that can, the human monitor
/// (ctrl/instance.monitor), which every Ganeti kvm instance has.
/// </summary>
public static class QmpCall
{
    public static async Task<ActionOutcome> RunAsync(string controlDir, string instance, TimeSpan timeout,
        Func<QmpClient, CancellationToken, Task<ActionOutcome>> work, CancellationToken cancellationToken,
        Func<HmpClient, CancellationToken, Task<ActionOutcome>>? viaHmp = null)
    {
        var socketPath = Path.Combine(controlDir, instance + ".qmp");
        var monitorPath = Path.Combine(controlDir, instance + ".monitor");
        var useHmp = !File.Exists(socketPath) && viaHmp is not null && File.Exists(monitorPath);
        if (!File.Exists(socketPath) && !useHmp)
        {
            return new ActionOutcome.Skipped($"{instance} is not running on this node (no QMP socket {socketPath})");
        }
        socketPath = useHmp ? monitorPath : socketPath;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            if (useHmp)
            {
                await using var hmp = await HmpClient.ConnectAsync(socketPath, deadline.Token).ConfigureAwait(false);
                return await viaHmp!(hmp, deadline.Token).ConfigureAwait(false);
            }
            await using var qmp = await QmpClient.ConnectAsync(socketPath, deadline.Token).ConfigureAwait(false);
            return await work(qmp, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new ActionOutcome.Failed($"QEMU did not answer on {socketPath} within {timeout.TotalSeconds:0.###} s", Retry: true);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return new ActionOutcome.Skipped($"{instance} is not running on this node ({socketPath} refuses connections: QEMU is gone)");
        }
        catch (QmpException e)
        {
            return new ActionOutcome.Failed(e.Message, Retry: false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            return new ActionOutcome.Failed($"{(useHmp ? "the monitor" : "QMP")} on {socketPath}: {e.Message}", Retry: true);
        }
    }
}
