using System.Runtime.InteropServices;

namespace HookRelay.Posix;

/// <summary>
/// The kernel's host name, as gethostname(2) gives it: what <c>System.Net.Dns.GetHostName</c>
/// returns, without the name resolution library and its metrics, which would be in the lean hook's
/// image only for this (and <c>Environment.MachineName</c> cuts the name at its first dot, where
/// Ganeti's node names are fully qualified).
/// </summary>
internal static unsafe partial class HostName
{
    // HOST_NAME_MAX is 64 on Linux; room to spare, and a terminating 0 always fits.
    private const int Room = 256;

    public static string Get()
    {
        var buffer = stackalloc byte[Room];
        if (gethostname(buffer, Room - 1) != 0)
        {
            throw new IOException($"gethostname failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        buffer[Room - 1] = 0;
        return Marshal.PtrToStringUTF8((nint)buffer)!;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int gethostname(byte* name, nuint length);
}
