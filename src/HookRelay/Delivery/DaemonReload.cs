using System.Globalization;
using System.Runtime.InteropServices;

namespace HookRelay.Delivery;

/// <summary>
/// Tells the `hookrelay serve` of a state directory to read its configuration again: SIGHUP to the
/// pid its lock holder wrote (a drainer is left alone: it reads the file afresh next time anyway).
/// </summary>
public static partial class DaemonReload
{
    private const int SigHup = 1;

    /// <summary>What happened, in words for the operator.</summary>
    public static string Request(string stateDir)
    {
        if (ServeLock.Holder(stateDir) is not { } holder)
        {
            return "no hookrelay serve is running here: nothing to reload";
        }
        if (holder.Split(' ') is not ["serve", var pidText] || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return $"the outbox is held by '{holder}', not a serve: nothing to reload";
        }
        return kill(pid, SigHup) == 0
            ? $"told hookrelay serve (pid {pid}) to read the configuration again"
            : $"could not signal hookrelay serve (pid {pid}): errno {Marshal.GetLastPInvokeError()}";
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
