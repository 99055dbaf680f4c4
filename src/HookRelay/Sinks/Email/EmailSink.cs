using System.Net.Sockets;
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
/// or implicit TLS on 465), optional authentication, one connection per delivery. What the server
/// says decides: a 4xx reply, a refused or dropped connection, a timeout are retried; a 5xx reply
/// (unknown recipient, message refused), failed authentication or a server without the TLS the
/// configuration demands are dead letters, with the server's words and never the password.
/// </summary>
public sealed class EmailSink : ISink
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

    private readonly Settings _settings;
    private readonly RouteTexts _texts;

    private EmailSink(string name, Settings settings, RouteTexts texts)
    {
        Name = name;
        _settings = settings;
        _texts = texts;
    }

    public string Name { get; }

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
        using (var view = new EventView(message.CloudEventJson))
        {
            mail = EventMail.Compose(message, view, _texts, _settings.Subject, _settings.From, _settings.To);
        }
        var server = $"{_settings.Host}:{_settings.Port}";
        using var client = new SmtpClient { Timeout = (int)_settings.Timeout.TotalMilliseconds };
        client.ServerCertificateValidationCallback = _settings.Trust;
        try
        {
            await client.ConnectAsync(_settings.Host, _settings.Port, _settings.Security, cancellationToken).ConfigureAwait(false);
            if (_settings.Username is { } user)
            {
                if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                {
                    // Asking again will not make the server offer it: a dead letter, not a retry loop.
                    return new DeliveryResult.Failed($"{server} offers no authentication (AUTH), but username '{user}' is set: "
                        + "drop username and password if the server wants none, or use starttls/tls if it offers AUTH only over TLS");
                }
                await client.AuthenticateAsync(user, _settings.Password ?? "", cancellationToken).ConfigureAwait(false);
            }
            await client.SendAsync(mail, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            return DeliveryResult.Ok;
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
}
