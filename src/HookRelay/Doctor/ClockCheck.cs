using System.Runtime.InteropServices;

namespace HookRelay.Doctor;

/// <summary>
/// Whether this node's clock can be trusted for event times and TSIG/TLS: the kernel's own word
/// (adjtimex: TIME_ERROR means no time service has synchronised it), and whether files HookRelay
/// wrote carry times from the future (the clock went back since).
/// </summary>
public static partial class ClockCheck
{
    private const int TimeError = 5;
    private const int MaxErrorOffset = 24;

    public static IEnumerable<Finding> Run(string stateDir)
    {
        var timex = new byte[256];
        int state;
        long maxErrorMicros;
        unsafe
        {
            fixed (byte* buffer = timex)
            {
                state = adjtimex(buffer);
                maxErrorMicros = *(long*)(buffer + MaxErrorOffset);
            }
        }
        if (state < 0)
        {
            yield return Finding.Warn("clock", $"adjtimex failed (errno {Marshal.GetLastPInvokeError()}): the kernel's synchronisation state is unknown");
        }
        else if (state == TimeError)
        {
            yield return Finding.Warn("clock", "the kernel says no time service has synchronised this clock (adjtimex: TIME_ERROR): event times, TLS and TSIG depend on it",
                "apt-get install chrony (or enable systemd-timesyncd), and check it with chronyc tracking");
        }
        else
        {
            yield return Finding.Ok("clock", $"synchronised, maximum error {maxErrorMicros / 1000.0:0.#} ms (adjtimex)");
        }
        var now = DateTime.UtcNow;
        var ahead = Directory.Exists(stateDir)
            ? Directory.EnumerateFiles(stateDir).Select(f => (File: f, Written: File.GetLastWriteTimeUtc(f))).Where(f => f.Written > now.AddMinutes(1)).ToList()
            : [];
        if (ahead.Count > 0)
        {
            var worst = ahead.MaxBy(f => f.Written);
            yield return Finding.Fail("clock", $"{worst.File} was written at {worst.Written:yyyy-MM-dd HH:mm:ss}Z, {(worst.Written - now).TotalMinutes:0} minutes from now: this clock went back",
                "set the clock right (chronyc makestep), then check event times in hookrelay status");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int adjtimex(byte* buffer);
}
