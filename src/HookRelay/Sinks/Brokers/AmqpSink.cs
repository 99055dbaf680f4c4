using System.Text;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace HookRelay.Sinks.Brokers;

/// <summary>The connection and the confirm-mode channel an AMQP sink publishes on.</summary>
public sealed record AmqpLink(IConnection Connection, IChannel Channel);

/// <summary>
/// AMQP 0-9-1 (RabbitMQ) with RabbitMQ.Client: an exchange and a routing-key template,
/// persistent messages, publisher confirms (a message counts once the broker confirmed it), and
/// mandatory publishing, so a message no queue takes comes back as a failure instead of
/// vanishing. The message id is the event id. CloudEvents AMQP binding: binary mode with
/// cloudEvents: headers and data's type as the content type, or structured.
/// </summary>
public sealed class AmqpSink : BrokerSink<AmqpLink>
{
    public const string Type = "amqp";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("host", "The broker.") with { Required = true },
        SinkKey.WholeNumber("port", "Default 5672, 5671 with tls: true."),
        SinkKey.Flag("tls", "Connect over TLS (trusting ca_file, or the system's roots)."),
        SinkKey.Text("vhost", "Virtual host (default /)."),
        SinkKey.Text("username", "Log in as this user (default guest, which RabbitMQ allows from loopback only). May be a secret reference."),
        SinkKey.Text("password", "Its password: use a secret reference.") with { IsCredential = true },
        SinkKey.Text("exchange", "The exchange to publish to (it must exist: HookRelay does not declare it).") with { Required = true },
        SinkKey.Text("routing_key", "Routing key template (default ganeti.{{ cluster }}.{{ hook }}.{{ phase }}.{{ target }}); a value's dots become _.") with { IsTemplate = true },
        BrokerKeys.Mode(" (cloudEvents: headers)"),
        SinkKey.Duration("timeout", "Connecting, and each publisher confirm (default 10s)."),
        .. Tls.CertificateTrust.Keys,
    ], Create);

    private static readonly Template DefaultRoutingKey = Template.Parse("ganeti.{{ cluster }}.{{ hook }}.{{ phase }}.{{ target }}");

    private readonly ConnectionFactory _factory;
    private readonly string _exchange;
    private readonly Template _routingKey;
    private readonly BindingMode _mode;
    private readonly TimeSpan _timeout;

    private AmqpSink(string name, string where, ConnectionFactory factory, string exchange, Template routingKey, BindingMode mode, TimeSpan timeout) : base(name, where)
    {
        _factory = factory;
        _exchange = exchange;
        _routingKey = routingKey;
        _mode = mode;
        _timeout = timeout;
    }

    public static AmqpSink Create(SinkSettings settings, RouteTexts texts)
    {
        var tls = settings.Flag("tls", false);
        var host = settings.Required("host");
        var port = settings.WholeNumber("port", tls ? 5671 : 5672);
        var timeout = settings.Duration("timeout", TimeSpan.FromSeconds(10));
        var factory = new ConnectionFactory
        {
            HostName = host,
            Port = port,
            VirtualHost = settings.Text("vhost") ?? "/",
            UserName = settings.Secret("username") ?? "guest",
            Password = settings.Secret("password") ?? "guest",
            ClientProvidedName = $"hookrelay-{Environment.MachineName}-{settings.SinkName}",
            RequestedConnectionTimeout = timeout,
            ContinuationTimeout = timeout,
            // Reconnecting is the delivery's retry, paced by its backoff.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
        };
        var trust = Tls.CertificateTrust.From(settings);
        if (tls)
        {
            factory.Ssl = new SslOption { Enabled = true, ServerName = host, CertificateValidationCallback = trust };
        }
        return new AmqpSink(settings.SinkName, $"AMQP broker {host}:{port}", factory, settings.Required("exchange"),
            settings.Text("routing_key") is { } key ? Template.Parse(key) : DefaultRoutingKey, BrokerKeys.ModeOf(settings), timeout);
    }

    protected override async Task<AmqpLink> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await _factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken).ConfigureAwait(false);
            return new AmqpLink(connection, channel);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override async ValueTask CloseAsync(AmqpLink link)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (link.Connection.IsOpen)
            {
                await link.Connection.CloseAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or IOException or OperationCanceledException)
        {
        }
        await link.Channel.DisposeAsync().ConfigureAwait(false);
        await link.Connection.DisposeAsync().ConfigureAwait(false);
    }

    protected override bool IsAlive(AmqpLink link) => link.Connection.IsOpen && link.Channel.IsOpen;

    protected override async Task PublishAsync(AmqpLink link, IReadOnlyList<CloudEventParts> events, DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var parts = events[i];
            var (payload, contentType) = parts.Body(_mode);
            var properties = new BasicProperties
            {
                MessageId = parts.Id,
                ContentType = contentType,
                DeliveryMode = DeliveryModes.Persistent,
                Type = parts.AttributeOf("type"),
                Timestamp = new AmqpTimestamp(parts.View.Time.ToUnixTimeSeconds()),
                AppId = "hookrelay",
                Headers = parts.Headers(_mode, "cloudEvents:").ToDictionary(h => h.Key, h => (object?)Encoding.UTF8.GetBytes(h.Value), StringComparer.Ordinal),
            };
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeout);
            await link.Channel.BasicPublishAsync(_exchange, _routingKey.Render(parts.View, TextFormat.SubjectToken), mandatory: true, properties, payload, deadline.Token)
                .ConfigureAwait(false);
            results[i] = DeliveryResult.Ok;
        }
    }

    protected override string Explain(Exception exception) => exception switch
    {
        OperationCanceledException => $"no confirm within {_timeout.TotalSeconds:0.###} s",
        PublishReturnException returned => $"no queue takes routing key '{returned.RoutingKey}' on exchange '{_exchange}' ({returned.ReplyText}): bind one, or change routing_key",
        PublishException => "the broker refused the message (nack)",
        AuthenticationFailureException => "login refused (check username and password)",
        BrokerUnreachableException unreachable => unreachable.InnerException?.Message ?? unreachable.Message,
        OperationInterruptedException interrupted when interrupted.ShutdownReason is { } reason => $"{reason.ReplyText} (AMQP {reason.ReplyCode})",
        _ => exception.Message,
    };

    /// <summary>A returned message leaves the channel open; a refusal of the exchange (404) closes it.</summary>
    protected override bool Breaks(Exception exception) => exception is not PublishReturnException;
}
