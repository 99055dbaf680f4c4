using System.Runtime.InteropServices;
using System.Text;

namespace HookRelay.Posix;

/// <summary>
/// One datagram to a unix socket path (the daemon's wake socket, the syslog socket), through libc.
/// Never waits: the socket is non-blocking, so a listener that is hung or behind cannot hold up a
/// hook. Not .NET's Socket: it costs the hook a few tenths of a millisecond to set up, and it brings
/// the whole networking stack and its telemetry into the lean hook's image, every type of which
/// the runtime prepares at each start.
/// </summary>
internal static unsafe partial class UnixDatagram
{
    private const ushort AddressFamilyUnix = 1;
    private const int SockDgram = 2;
    private const int SockNonBlock = 0x800;
    private const int SockCloExec = 0x80000;
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int WouldBlock = 11;
    private const int NoBufferSpace = 105;
    private const int SunPathLength = 108;

    public enum Outcome
    {
        /// <summary>The listener has it.</summary>
        Sent,

        /// <summary>A listener is there, but its queue is full.</summary>
        ListenerBusy,

        /// <summary>No listener: no socket file, nobody bound to it, or a path too long to be one.</summary>
        NoListener,
    }

    public static Outcome Send(string path, ReadOnlySpan<byte> payload)
    {
        var address = stackalloc byte[2 + SunPathLength];
        new Span<byte>(address, 2 + SunPathLength).Clear();
        *(ushort*)address = AddressFamilyUnix;
        var pathBytes = new Span<byte>(address + 2, SunPathLength - 1);
        if (!Encoding.UTF8.TryGetBytes(path, pathBytes, out var pathLength))
        {
            return Outcome.NoListener; // Too long for a unix socket address: nobody can have bound it.
        }
        var fd = socket(AddressFamilyUnix, SockDgram | SockNonBlock | SockCloExec, 0);
        if (fd < 0)
        {
            return Outcome.NoListener;
        }
        nint sent;
        fixed (byte* data = payload)
        {
            sent = sendto(fd, data, (nuint)payload.Length, MsgDontWait | MsgNoSignal, address, 2 + pathLength + 1);
        }
        var error = Marshal.GetLastPInvokeError();
        _ = close(fd);
        return sent == payload.Length ? Outcome.Sent : error is WouldBlock or NoBufferSpace ? Outcome.ListenerBusy : Outcome.NoListener;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendto(int fd, byte* buffer, nuint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
