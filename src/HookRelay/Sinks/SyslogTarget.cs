using System.Globalization;
using System.Net.Sockets;

namespace HookRelay.Sinks;

/// <summary>Where syslog records go: a local datagram socket, or a collector over UDP or TCP (RFC 6587 octet counting).</summary>
public sealed class SyslogTarget
{
    private readonly string? _socketPath;
    private readonly (string Host, int Port, bool Tcp)? _remote;

    private SyslogTarget(string? socketPath, (string, int, bool)? remote)
    {
        _socketPath = socketPath;
        _remote = remote;
    }

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
        using var tcp = new TcpClient();
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connect.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await tcp.ConnectAsync(remote.Host, remote.Port, connect.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("no connection within 10 s");
        }
        var stream = tcp.GetStream();
        await using (stream.ConfigureAwait(false))
        {
            var frame = System.Text.Encoding.ASCII.GetBytes(record.Length.ToString(CultureInfo.InvariantCulture) + " ");
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        }
    }

    public override string ToString() => _remote is { } r ? $"{(r.Tcp ? "tcp" : "udp")}://{r.Host}:{r.Port}" : _socketPath!;
}
