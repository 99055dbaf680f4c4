using System.Net.Sockets;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;

namespace HookRelay.Doctor;

/// <summary>
/// Whether each sink could deliver, without sending it anything: built as `serve` builds it, then
/// its far end reached (a TCP connection, closed at once) or, for the local ones, its file's
/// directory writable or its program executable. Only host and port are ever printed: a URL may
/// hold a token.
/// </summary>
public static class SinkProbe
{
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(3);

    public static async Task<Finding> RunAsync(SinkConfig sink, CancellationToken cancellationToken)
    {
        var area = $"sink {sink.Name}";
        SinkSettings settings;
        try
        {
            using (SinkFactory.Create(sink, RouteTexts.None, out settings) as IDisposable)
            {
            }
        }
        catch (Exception e) when (e is InvalidOperationException or SecretException or IOException or UnauthorizedAccessException or FormatException
            or System.Security.Cryptography.CryptographicException)
        {
            return Finding.Fail(area, $"cannot be built: {Logging.HookLog.OneLine(e.Message)}", "hookrelay config check");
        }
        switch (sink.Type)
        {
            case "file":
                var directory = Path.GetDirectoryName(Path.GetFullPath(settings.Required("path")))!;
                return Access.CanWrite(directory)
                    ? Finding.Ok(area, $"file sink: {directory} is writable")
                    : Finding.Fail(area, $"file sink: {directory} is not writable by this user", $"install -d {directory}");
            case "exec":
                var command = settings.Required("command");
                return Access.CanExecute(command)
                    ? Finding.Ok(area, $"exec sink: {command} is executable")
                    : Finding.Fail(area, $"exec sink: {command} is not an executable file", $"chmod 0755 {command}");
        }
        var endpoints = Endpoints(sink.Type, settings).ToList();
        if (endpoints.Count == 0)
        {
            return Finding.Ok(area, $"{sink.Type} sink builds; nothing to connect to ahead of time (a datagram or local socket)");
        }
        var failures = new List<string>();
        foreach (var (host, port) in endpoints)
        {
            if (await ConnectAsync(host, port, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                failures.Add($"{host}:{port}: {failure}");
            }
        }
        var where = string.Join(", ", endpoints.Select(e => $"{e.Host}:{e.Port}"));
        return failures.Count == 0
            ? Finding.Ok(area, $"{sink.Type}: {where} accepts connections")
            : Finding.Fail(area, $"{sink.Type}: {string.Join("; ", failures)}", $"check the far end, then hookrelay test-send {sink.Name}");
    }

    /// <summary>Where each network sink type connects, from its settings (its own default ports).</summary>
    private static IEnumerable<(string Host, int Port)> Endpoints(string type, SinkSettings settings)
    {
        static (string, int) FromUri(string text, int fallback) =>
            Uri.TryCreate(text, UriKind.Absolute, out var uri) ? (uri.Host, uri.IsDefaultPort || uri.Port < 0 ? Default(uri.Scheme, fallback) : uri.Port) : (text, fallback);
        static int Default(string scheme, int fallback) => scheme switch { "http" => 80, "https" => 443, _ => fallback };
        var tls = settings.Declares("tls") && settings.Flag("tls", false);
        return type switch
        {
            "webhook" or "slack" or "mattermost" or "grafana" or "alertmanager" or "netbox" => [FromUri(settings.RequiredSecret("url"), 443)],
            "powerdns" => [FromUri(settings.RequiredSecret("api"), 8081)],
            "rfc2136" => [Sinks.Connections.HostPort.Split(settings.Required("server"), 53)],
            "nats" => [FromUri(settings.Required("url"), 4222)],
            "mqtt" => [(settings.Required("host"), settings.WholeNumber("port", tls ? 8883 : 1883))],
            "amqp" => [(settings.Required("host"), settings.WholeNumber("port", tls ? 5671 : 5672))],
            "email" => [(settings.Required("host"), settings.WholeNumber("port", tls ? 465 : 587))],
            "kafka" => settings.Required("bootstrap_servers").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => Sinks.Connections.HostPort.Split(s, 9092)),
            "syslog" when settings.Text("address") is { } address && address.StartsWith("tcp://", StringComparison.Ordinal) => [FromUri(address, 601)],
            _ => [],
        };
    }

    private static async Task<string?> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(ConnectLimit);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {ConnectLimit.TotalSeconds:0} s";
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "the name does not resolve",
                _ => e.Message,
            };
        }
    }
}
