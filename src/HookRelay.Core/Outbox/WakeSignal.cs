using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HookRelay.Outbox;

/// <summary>
/// How a hook tells a running daemon that rows are waiting: one datagram to state_dir/wake.sock.
/// Datagrams need no connection and no reply, so a hung daemon can never make a hook wait. Sent
/// through libc directly: .NET's Socket class costs the hook a few tenths of a millisecond to set up.
/// </summary>
public static partial class WakeSignal
{
    public const string SocketName = "wake.sock";
    private const ushort AddressFamilyUnix = 1;
    private const int SockDgram = 2;
    private const int SockNonBlock = 0x800;
    private const int SockCloExec = 0x80000;
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int WouldBlock = 11;
    private const int NoBufferSpace = 105;
    private const int SunPathLength = 108;

    public static string PathIn(string stateDir) => Path.Combine(stateDir, SocketName);

    /// <summary>True when a daemon is listening (or so busy its queue is full: it will get to the rows).</summary>
    public static unsafe bool Notify(string stateDir)
    {
        var path = System.Text.Encoding.UTF8.GetBytes(PathIn(stateDir));
        if (path.Length >= SunPathLength)
        {
            return false; // Too long for a unix socket address; the daemon cannot have bound it either.
        }
        var address = stackalloc byte[2 + SunPathLength];
        new Span<byte>(address, 2 + SunPathLength).Clear();
        *(ushort*)address = AddressFamilyUnix;
        path.CopyTo(new Span<byte>(address + 2, SunPathLength));
        var fd = socket(AddressFamilyUnix, SockDgram | SockNonBlock | SockCloExec, 0);
        if (fd < 0)
        {
            return false;
        }
        byte wake = 1;
        var sent = sendto(fd, &wake, 1, MsgDontWait | MsgNoSignal, address, 2 + path.Length + 1);
        var error = Marshal.GetLastPInvokeError();
        _ = close(fd);
        // No socket file, or nobody bound to it, means there is no daemon.
        return sent == 1 || error is WouldBlock or NoBufferSpace;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint sendto(int fd, byte* buffer, nuint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}

/// <summary>The daemon's end of <see cref="WakeSignal"/>.</summary>
public sealed class WakeListener : IDisposable
{
    private readonly Socket _socket;
    private readonly string _path;

    public WakeListener(string stateDir)
    {
        _path = WakeSignal.PathIn(stateDir);
        // Only the holder of the serve lock gets here, so a socket file left behind is a dead daemon's.
        File.Delete(_path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(_path));
    }

    /// <summary>Calls <paramref name="onWake"/> for every datagram until disposed.</summary>
    public async Task ListenAsync(Action onWake, CancellationToken cancellationToken)
    {
        var buffer = new byte[64];
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                onWake();
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
    }
}
