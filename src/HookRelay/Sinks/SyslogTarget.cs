using System.Globalization;
using System.Net.Sockets;
using HookRelay.Sinks.Connections;

namespace HookRelay.Sinks;

/// <summary>
/// Where syslog records go: a local datagram socket, or a collector over UDP or TCP (RFC 6587
/// octet counting). TCP streams are kept open between records, one per record under way.
/// </summary>
public sealed class SyslogTarget : IDisposable
{
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(10);
    private readonly string? _socketPath;
    private readonly (string Host, int Port, bool Tcp)? _remote;
    private readonly ConnectionPool<TcpClient>? _streams;

    private SyslogTarget(string? socketPath, (string, int, bool)? remote)
    {
        _socketPath = socketPath;
        _remote = remote;
        if (remote is (_, _, true))
        {
            _streams = new ConnectionPool<TcpClient>(ConnectAsync, client =>
            {
                client.Dispose();
                return Task.CompletedTask;
            }, IsOpen, e => e is IOException or SocketException, TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>TCP connections opened since the sink was built.</summary>
    public int ConnectionsOpened => _streams?.Opened ?? 0;

    public static SyslogTarget Parse(string? address, string? socket, string subject)
    {
        if (address is null)
        {
            return new SyslogTarget(socket ?? "/dev/log", null);
        }
        if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "udp" or "tcp" && uri.Port > 0 && uri.Host.Length > 0)
        {
            return new SyslogTarget(null, (uri.Host, uri.Port, uri.Scheme == "tcp"));
        }
        throw new InvalidOperationException($"{subject}: address '{address}' is not udp://host:port or tcp://host:port");
    }

    public async Task SendAsync(byte[] record, CancellationToken cancellationToken)
    {
        if (_remote is not { } remote)
        {
            using var local = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            await local.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath!), cancellationToken).ConfigureAwait(false);
            await local.SendAsync(record, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!remote.Tcp)
        {
            using var udp = new UdpClient();
            await udp.SendAsync(record, remote.Host, remote.Port, cancellationToken).ConfigureAwait(false);
            return;
        }
        await _streams!.UseAsync(async (tcp, token) =>
        {
            var frame = System.Text.Encoding.ASCII.GetBytes(record.Length.ToString(CultureInfo.InvariantCulture) + " ");
            var stream = tcp.GetStream();
            await stream.WriteAsync(frame, token).ConfigureAwait(false);
            await stream.WriteAsync(record, token).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TcpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var (host, port, _) = _remote!.Value;
        var tcp = new TcpClient();
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connect.CancelAfter(ConnectLimit);
        try
        {
            await tcp.ConnectAsync(host, port, connect.Token).ConfigureAwait(false);
            return tcp;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new TimeoutException($"no connection within {ConnectLimit.TotalSeconds:0} s");
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>A collector that hung up makes the socket readable with nothing to read; writing would vanish into the void.</summary>
    private static bool IsOpen(TcpClient tcp) =>
        tcp.Connected && !(tcp.Client.Poll(0, SelectMode.SelectRead) && tcp.Client.Available == 0);

    public void Dispose() => _streams?.DisposeAsync().AsTask().GetAwaiter().GetResult();

    public override string ToString() => _remote is { } r ? $"{(r.Tcp ? "tcp" : "udp")}://{r.Host}:{r.Port}" : _socketPath!;
}
