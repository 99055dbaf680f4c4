using System.Net.Sockets;
using System.Text;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace HookRelay.Sinks.Brokers;

/// <summary>
/// MQTT with MQTTnet: protocol 5 (default) or 3.1.1, QoS 1 (the broker's PUBACK decides), TLS
/// and username/password, a topic template. CloudEvents MQTT binding: under 5, binary mode puts
/// the attributes in user properties and data's type in the content type; 3.1.1 has no
/// properties, so it is always structured. Optionally the instance's last event retained on a
/// topic of its own, for dashboards that subscribe late.
/// </summary>
public sealed class MqttSink : BrokerSink<IMqttClient>
{
    public const string Type = "mqtt";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("host", "The broker.") with { Required = true },
        SinkKey.WholeNumber("port", "Default 1883, 8883 with tls: true."),
        SinkKey.Flag("tls", "Connect over TLS (trusting ca_file, or the system's roots)."),
        SinkKey.Choice("protocol", "5 (default) or 3.1.1 (always structured: it has no properties).", "5", "3.1.1"),
        SinkKey.Text("username", "Log in as this user. May be a secret reference."),
        SinkKey.Text("password", "Its password: use a secret reference (${file:/etc/hookrelay/mqtt.password}).") with { IsCredential = true },
        SinkKey.Text("client_id", "Default hookrelay-<node>-<sink name>: unique per node, so two nodes never take each other's session."),
        SinkKey.Text("topic", "Topic template (default ganeti/{{ cluster }}/{{ hook }}/{{ phase }}/{{ target }}); a value never adds a level or a wildcard.") with { IsTemplate = true },
        SinkKey.Text("retain_topic", "Also publish each instance event, retained, here (e.g. ganeti/{{ cluster }}/instances/{{ instance }}): the last state per instance.") with { IsTemplate = true },
        BrokerKeys.Mode(" (MQTT 5 user properties)"),
        SinkKey.Duration("timeout", "Connecting, and each publish's PUBACK (default 10s)."),
        .. Tls.CertificateTrust.Keys,
    ], Create);

    private static readonly Template DefaultTopic = Template.Parse("ganeti/{{ cluster }}/{{ hook }}/{{ phase }}/{{ target }}");

    private readonly MqttClientOptions _options;
    private readonly Template _topic;
    private readonly Template? _retainTopic;
    private readonly BindingMode _mode;
    private readonly TimeSpan _timeout;

    private MqttSink(string name, string where, MqttClientOptions options, Template topic, Template? retainTopic, BindingMode mode, TimeSpan timeout)
        : base(name, where)
    {
        _options = options;
        _topic = topic;
        _retainTopic = retainTopic;
        _mode = mode;
        _timeout = timeout;
    }

    public static MqttSink Create(SinkSettings settings, RouteTexts texts)
    {
        var tls = settings.Flag("tls", false);
        var host = settings.Required("host");
        var port = settings.WholeNumber("port", tls ? 8883 : 1883);
        var v311 = settings.Text("protocol") == "3.1.1";
        var timeout = settings.Duration("timeout", TimeSpan.FromSeconds(10));
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(v311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500)
            .WithClientId(settings.Text("client_id") ?? $"hookrelay-{Environment.MachineName}-{settings.SinkName}")
            .WithTimeout(timeout)
            .WithCleanSession(true);
        if (settings.Secret("username") is { } username)
        {
            builder.WithCredentials(username, settings.Secret("password"));
        }
        var trust = Tls.CertificateTrust.From(settings);
        if (tls)
        {
            builder.WithTlsOptions(o =>
            {
                o.UseTls();
                o.WithTargetHost(host);
                if (trust is not null)
                {
                    o.WithCertificateValidationHandler(args => trust(args, args.Certificate, args.Chain, args.SslPolicyErrors));
                }
            });
        }
        return new MqttSink(settings.SinkName, $"MQTT broker {host}:{port}", builder.Build(),
            settings.Text("topic") is { } topic ? Template.Parse(topic) : DefaultTopic,
            settings.Text("retain_topic") is { } retain ? Template.Parse(retain) : null,
            v311 ? BindingMode.Structured : BrokerKeys.ModeOf(settings), timeout);
    }

    protected override async Task<IMqttClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var connected = await client.ConnectAsync(_options, cancellationToken).ConfigureAwait(false);
            return connected.ResultCode == MqttClientConnectResultCode.Success
                ? client
                : throw new MqttCommunicationException($"the broker refused the connection: {connected.ResultCode}{(string.IsNullOrEmpty(connected.ReasonString) ? "" : $" ({connected.ReasonString})")}");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    protected override async ValueTask CloseAsync(IMqttClient connection)
    {
        try
        {
            if (connection.IsConnected)
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await connection.DisconnectAsync(new MqttClientDisconnectOptions(), deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or SocketException or IOException)
        {
        }
        connection.Dispose();
    }

    protected override bool IsAlive(IMqttClient connection) => connection.IsConnected;

    protected override async Task PublishAsync(IMqttClient connection, IReadOnlyList<CloudEventParts> events, DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var parts = events[i];
            results[i] = await PublishOneAsync(connection, Message(parts, _topic.Render(parts.View, TextFormat.TopicLevel), retain: false), cancellationToken).ConfigureAwait(false);
            if (results[i] is DeliveryResult.Delivered && _retainTopic is not null && parts.View.Text("instance.name") is not null)
            {
                results[i] = await PublishOneAsync(connection, Message(parts, _retainTopic.Render(parts.View, TextFormat.TopicLevel), retain: true), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private MqttApplicationMessage Message(CloudEventParts parts, string topic, bool retain)
    {
        var (payload, contentType) = parts.Body(_mode);
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain);
        if (_options.ProtocolVersion == MqttProtocolVersion.V500)
        {
            builder.WithContentType(contentType);
            foreach (var (name, value) in parts.Headers(_mode, ""))
            {
                builder.WithUserProperty(name, new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(value)));
            }
        }
        return builder.Build();
    }

    private async Task<DeliveryResult> PublishOneAsync(IMqttClient connection, MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        var result = await connection.PublishAsync(message, deadline.Token).ConfigureAwait(false);
        return result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers
            ? DeliveryResult.Ok
            : new DeliveryResult.Retry($"the {Where} refused {message.Topic}: {result.ReasonCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : $" ({result.ReasonString})")}");
    }

    protected override string Explain(Exception exception) => exception switch
    {
        OperationCanceledException => $"no answer within {_timeout.TotalSeconds:0.###} s",
        _ => exception.InnerException is SocketException socket ? socket.Message : exception.Message,
    };
}
