using System.Runtime.InteropServices;

namespace HookRelay.Delivery;

/// <summary>
/// A daemon started under nohup, or by anything else that ignores SIGHUP, inherits it ignored, and
/// the .NET runtime then never passes it to a PosixSignalRegistration: "SIGHUP reads the
/// configuration again" would be silently dead. serve puts the default disposition back before
/// registering its own handler, so the handler is what decides.
/// </summary>
internal static partial class HangupSignal
{
    private const int SigHup = 1;
    private const nint DefaultDisposition = 0;

    public static void Restore() => _ = signal(SigHup, DefaultDisposition);

    [LibraryImport("libc")]
    private static partial nint signal(int signum, nint handler);
}
