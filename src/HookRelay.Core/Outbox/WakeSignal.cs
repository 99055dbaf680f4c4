using System.Net.Sockets;
using HookRelay.Posix;

namespace HookRelay.Outbox;

/// <summary>
/// How a hook tells a running daemon that rows are waiting: one datagram to state_dir/wake.sock.
/// Datagrams need no connection and no reply, so a hung daemon can never make a hook wait
/// (<see cref="UnixDatagram"/>).
/// </summary>
public static class WakeSignal
{
    public const string SocketName = "wake.sock";

    public static string PathIn(string stateDir) => Path.Combine(stateDir, SocketName);

    /// <summary>True when a daemon is listening (or so busy its queue is full: it will get to the rows).</summary>
    public static bool Notify(string stateDir) => UnixDatagram.Send(PathIn(stateDir), [1]) != UnixDatagram.Outcome.NoListener;
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
