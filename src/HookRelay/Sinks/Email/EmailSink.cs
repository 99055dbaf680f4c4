using System.Net.Sockets;
using HookRelay.Sinks.Connections;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;
using HookRelay.Sinks.Tls;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace HookRelay.Sinks.Email;

/// <summary>
/// E-mail over SMTP with MailKit: STARTTLS required by default (opportunistic or off on request,
/// or implicit TLS on 465), optional authentication, sessions kept open between deliveries (one
/// per delivery under way, closed after a minute idle; <see cref="ConnectionPool{T}"/>). What the server
/// says decides: a 4xx reply, a refused or dropped connection, a timeout are retried; a 5xx reply
/// (unknown recipient, message refused), failed authentication or a server without the TLS the
/// configuration demands are dead letters, with the server's words and never the password.
/// </summary>
public sealed class EmailSink : ISink, IDisposable
{
    public const string Type = "email";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("host", "The SMTP server (a relay or submission server).") with { Required = true },
        SinkKey.WholeNumber("port", "Default 587 (submission), 465 with tls: true."),
        SinkKey.Choice("starttls", "required (default): refuse a server without STARTTLS; opportunistic: use it when offered; off: never (a local relay on loopback).",
            "required", "opportunistic", "off"),
        SinkKey.Flag("tls", "Implicit TLS from the first byte (SMTPS, port 465) instead of STARTTLS."),
        SinkKey.Text("username", "Authenticate as this user (only ever over TLS unless starttls: off). May be a secret reference."),
        SinkKey.Text("password", "Its password: use a secret reference (${file:/etc/hookrelay/smtp.password}).") with { IsCredential = true },
        SinkKey.Text("from", "Sender address, e.g. \"Ganeti <ganeti@example.org>\".", minLength: 3) with { Required = true },
        SinkKey.TextList("to", "Recipient addresses.") with { Required = true, MinItems = 1, MinLength = 3 },
        SinkKey.Text("subject", "Subject template (default: the route text or the default sentence), on one line.", minLength: null) with { IsTemplate = true },
        SinkKey.Duration("timeout", "Per SMTP command, connecting included (default 30s)."),
        .. Tls.CertificateTrust.Keys,
    ], Create);

    /// <summary>Well under the five minutes after which servers commonly drop an idle session (RFC 5321, 4.5.3.2.7).</summary>
    private static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(1);

    private readonly Settings _settings;
    private readonly RouteTexts _texts;
    private readonly ConnectionPool<SmtpClient> _sessions;

    private EmailSink(string name, Settings settings, RouteTexts texts)
    {
        Name = name;
        _settings = settings;
        _texts = texts;
        _sessions = new ConnectionPool<SmtpClient>(OpenAsync, CloseAsync, client => client.IsConnected,
            // 421: the server is closing the session (an idle timeout), not refusing the message.
            e => e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException
                || e is SmtpCommandException { StatusCode: SmtpStatusCode.ServiceNotAvailable }, IdleLimit);
    }

    public string Name { get; }

    /// <summary>SMTP sessions opened since the sink was built.</summary>
    public int SessionsOpened => _sessions.Opened;

    /// <summary>A reason to give up on the event rather than retry it: asking again cannot help.</summary>
    private sealed class RefusedException(string reason) : Exception(reason);

    private sealed record Settings(string Host, int Port, SecureSocketOptions Security, string? Username, string? Password,
        MailboxAddress From, IReadOnlyList<MailboxAddress> To, Template? Subject, TimeSpan Timeout, System.Net.Security.RemoteCertificateValidationCallback? Trust);

    public static EmailSink Create(SinkSettings settings, RouteTexts texts)
    {
        var implicitTls = settings.Flag("tls", false);
        var security = implicitTls ? SecureSocketOptions.SslOnConnect : settings.Text("starttls") switch
        {
            "off" => SecureSocketOptions.None,
            "opportunistic" => SecureSocketOptions.StartTlsWhenAvailable,
            _ => SecureSocketOptions.StartTls,
        };
        var to = settings.List("to").Select(a => Address(settings, "to", a)).ToList();
        if (to.Count == 0)
        {
            throw new InvalidOperationException($"{settings.Subject} has no recipient ('to')");
        }
        return new EmailSink(settings.SinkName, new Settings(
            settings.Required("host"),
            settings.WholeNumber("port", implicitTls ? 465 : 587),
            security,
            settings.Secret("username"),
            settings.Secret("password"),
            Address(settings, "from", settings.Required("from")),
            to,
            settings.Text("subject") is { } subject ? Template.Parse(subject) : null,
            settings.Duration("timeout", TimeSpan.FromSeconds(30)),
            CertificateTrust.From(settings)), texts);
    }

    private static MailboxAddress Address(SinkSettings settings, string key, string text) =>
        MailboxAddress.TryParse(text, out var address) && address.Address.Contains('@', StringComparison.Ordinal)
            ? address
            : throw new InvalidOperationException($"{settings.Subject}: '{key}' is not an e-mail address: {Logging.HookLog.OneLine(text)}");

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        MimeMessage mail;
        using (var view = message.View())
        {
            mail = EventMail.Compose(message, view, _texts, _settings.Subject, _settings.From, _settings.To);
        }
        var server = $"{_settings.Host}:{_settings.Port}";
        try
        {
            return await _sessions.UseAsync(async (client, token) =>
            {
                await client.SendAsync(mail, token).ConfigureAwait(false);
                return DeliveryResult.Ok;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RefusedException e)
        {
            return new DeliveryResult.Failed(e.Message);
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
        {
            return new DeliveryResult.Failed($"{server} refused: {(int)e.StatusCode} {Logging.HookLog.OneLine(e.Message)}");
        }
        catch (SmtpCommandException e)
        {
            return new DeliveryResult.Retry($"{server} answered {(int)e.StatusCode} {Logging.HookLog.OneLine(e.Message)}");
        }
        catch (AuthenticationException)
        {
            return new DeliveryResult.Failed($"{server}: authentication as '{_settings.Username}' failed (check username and password)");
        }
        catch (NotSupportedException e) when (_settings.Security == SecureSocketOptions.StartTls)
        {
            return new DeliveryResult.Failed($"{server} does not offer STARTTLS, which starttls: required demands: {e.Message}");
        }
        catch (SslHandshakeException e)
        {
            return new DeliveryResult.Failed($"{server}: TLS handshake failed (certificate not trusted? see ca_file): {Logging.HookLog.OneLine(e.Message)}");
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or SmtpProtocolException or ServiceNotConnectedException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new DeliveryResult.Retry($"{server}: {Logging.HookLog.OneLine(e.Message)}");
        }
    }

    private async Task<SmtpClient> OpenAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = (int)_settings.Timeout.TotalMilliseconds };
        client.ServerCertificateValidationCallback = _settings.Trust;
        try
        {
            await client.ConnectAsync(_settings.Host, _settings.Port, _settings.Security, cancellationToken).ConfigureAwait(false);
            if (_settings.Username is { } user)
            {
                if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                {
                    // Asking again will not make the server offer it: a dead letter, not a retry loop.
                    throw new RefusedException($"{_settings.Host}:{_settings.Port} offers no authentication (AUTH), but username '{user}' is set: "
                        + "drop username and password if the server wants none, or use starttls/tls if it offers AUTH only over TLS");
                }
                await client.AuthenticateAsync(user, _settings.Password ?? "", cancellationToken).ConfigureAwait(false);
            }
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task CloseAsync(SmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(quit: true, quit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException
            or ServiceNotConnectedException)
        {
            // Saying goodbye to a server that is gone is not worth a word.
        }
        finally
        {
            client.Dispose();
        }
    }

    public void Dispose() => _sessions.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
