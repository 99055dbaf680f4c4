using System.Net.Sockets;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace HookRelay.Sinks.Brokers;

/// <summary>
/// NATS JetStream with NATS.Net: each event published to a subject from a template and kept only
/// when the stream's PubAck says so. Nats-Msg-Id is the event id, so a redelivery within the
/// stream's duplicate window is dropped by the server. A batch is written in order and its acks
/// awaited together (one round trip for the batch, not one per message). CloudEvents NATS
/// binding: binary mode with ce- headers, or structured.
/// </summary>
public sealed class NatsSink : BrokerSink<NatsConnection>
{
    public const string Type = "nats";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("url", "The server, nats://host:4222 (tls://host:4222 for TLS).") with { Required = true },
        SinkKey.Text("subject", "Subject template (default ganeti.{{ cluster }}.{{ hook }}.{{ phase }}.{{ target }}); a value's dots become _: it never adds a token.") with { IsTemplate = true },
        SinkKey.Text("username", "Log in as this user. May be a secret reference."),
        SinkKey.Text("password", "Its password: use a secret reference.") with { IsCredential = true },
        SinkKey.Text("token", "Or an authentication token: use a secret reference.") with { IsCredential = true },
        BrokerKeys.Mode(" (ce- headers)"),
        SinkKey.Duration("timeout", "Connecting, and waiting for a batch's PubAcks (default 10s)."),
        .. Tls.CertificateTrust.Keys,
    ], Create);

    private static readonly Template DefaultSubject = Template.Parse("ganeti.{{ cluster }}.{{ hook }}.{{ phase }}.{{ target }}");

    private readonly NatsOpts _options;
    private readonly Template _subject;
    private readonly BindingMode _mode;
    private readonly TimeSpan _timeout;

    private NatsSink(string name, string where, NatsOpts options, Template subject, BindingMode mode, TimeSpan timeout) : base(name, where)
    {
        _options = options;
        _subject = subject;
        _mode = mode;
        _timeout = timeout;
    }

    public static NatsSink Create(SinkSettings settings, RouteTexts texts)
    {
        var url = settings.Required("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls"))
        {
            throw new InvalidOperationException($"{settings.Subject}: url '{url}' is not nats://host:port or tls://host:port");
        }
        var timeout = settings.Duration("timeout", TimeSpan.FromSeconds(10));
        var trust = Tls.CertificateTrust.From(settings);
        var options = NatsOpts.Default with
        {
            Url = url,
            Name = $"hookrelay-{Environment.MachineName}-{settings.SinkName}",
            ConnectTimeout = timeout,
            RequestTimeout = timeout,
            // The sink decides when to connect again (the delivery's retry), not a loop in the client.
            MaxReconnectRetry = 0,
            AuthOpts = NatsAuthOpts.Default with { Username = settings.Secret("username"), Password = settings.Secret("password"), Token = settings.Secret("token") },
            TlsOpts = uri.Scheme == "tls" || trust is not null
                ? NatsTlsOpts.Default with { Mode = TlsMode.Require, ConfigureClientAuthentication = auth => { auth.RemoteCertificateValidationCallback = trust; return ValueTask.CompletedTask; } }
                : NatsTlsOpts.Default,
        };
        return new NatsSink(settings.SinkName, $"NATS server {uri.Host}:{(uri.IsDefaultPort ? 4222 : uri.Port)}", options,
            settings.Text("subject") is { } subject ? Template.Parse(subject) : DefaultSubject, BrokerKeys.ModeOf(settings), timeout);
    }

    protected override async Task<NatsConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = new NatsConnection(_options);
        try
        {
            await connection.ConnectAsync().ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override async ValueTask CloseAsync(NatsConnection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or SocketException or IOException or OperationCanceledException)
        {
        }
    }

    protected override bool IsAlive(NatsConnection connection) => connection.ConnectionState == NatsConnectionState.Open;

    protected override async Task PublishAsync(NatsConnection connection, IReadOnlyList<CloudEventParts> events, DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        var js = new NatsJSContext(connection);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        var futures = new List<NatsJSPublishConcurrentFuture>(events.Count);
        try
        {
            // Written one after another (the stream keeps their order), acknowledged together.
            foreach (var parts in events)
            {
                var (payload, contentType) = parts.Body(_mode);
                var headers = new NatsHeaders { ["Content-Type"] = contentType };
                foreach (var (name, value) in parts.Headers(_mode, "ce-"))
                {
                    headers[name] = value;
                }
                futures.Add(await js.PublishConcurrentAsync(_subject.Render(parts.View, TextFormat.SubjectToken), payload,
                    opts: new NatsJSPubOpts { MsgId = parts.Id }, headers: headers, cancellationToken: deadline.Token).ConfigureAwait(false));
            }
            for (var i = 0; i < futures.Count; i++)
            {
                var ack = await futures[i].GetResponseAsync(deadline.Token).ConfigureAwait(false);
                results[i] = ack.Error is { } error
                    ? new DeliveryResult.Retry($"the {Where} refused it: {error.Description} (JetStream error {error.ErrCode})")
                    : DeliveryResult.Ok;
            }
        }
        finally
        {
            foreach (var future in futures)
            {
                await future.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    protected override string Explain(Exception exception) => exception switch
    {
        OperationCanceledException or TimeoutException => $"no PubAck within {_timeout.TotalSeconds:0.###} s",
        NatsNoRespondersException => "no stream takes this subject (no responders): create one, or change the subject",
        NatsJSApiException api => $"{api.Error.Description} (JetStream error {api.Error.ErrCode})",
        _ => exception.InnerException is { } inner ? $"{exception.Message}: {inner.Message}" : exception.Message,
    };

    /// <summary>A refusal by the stream leaves the connection fine; everything else may not.</summary>
    protected override bool Breaks(Exception exception) => exception is not (NatsNoRespondersException or NatsJSApiException);
}
