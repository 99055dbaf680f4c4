using System.Text;
using Confluent.Kafka;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks.Brokers;

/// <summary>
/// Kafka with Confluent.Kafka (librdkafka): an idempotent producer with acks=all, so a message
/// counts once every in-sync replica has it (the delivery report), and a retry inside the
/// producer never writes it twice. The key is the event's target by default (the instance
/// name: one partition per instance keeps its events in order). A batch is handed to the
/// producer in order and its delivery reports awaited together. CloudEvents Kafka binding:
/// binary mode with ce_ headers and a content-type header, or structured. librdkafka
/// (centos8-librdkafka.so, the package's self-contained build) is published beside the hookrelay
/// binary, where Confluent.Kafka looks for it.
/// </summary>
public sealed class KafkaSink : BrokerSink<IProducer<string?, byte[]>>
{
    public const string Type = "kafka";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("bootstrap_servers", "The brokers to start from: host:9092[,host:9092...].") with { Required = true },
        SinkKey.Text("topic", "The topic (a template; the same for every event in most sites).") with { Required = true, IsTemplate = true },
        SinkKey.Text("key", "Message key template (default {{ target }}: the instance name, so each instance's events stay in order on one partition).") with { IsTemplate = true },
        BrokerKeys.Mode(" (ce_ headers)"),
        SinkKey.Choice("security_protocol", "plaintext (default), ssl, sasl_plaintext or sasl_ssl.", "plaintext", "ssl", "sasl_plaintext", "sasl_ssl"),
        SinkKey.Choice("sasl_mechanism", "PLAIN (default), SCRAM-SHA-256 or SCRAM-SHA-512.", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
        SinkKey.Text("username", "SASL user. May be a secret reference."),
        SinkKey.Text("password", "Its password: use a secret reference.") with { IsCredential = true },
        SinkKey.Duration("timeout", "Longest a batch waits for its delivery reports (default 10s)."),
        .. Tls.CertificateTrust.Keys,
    ], Create);

    private static readonly Template DefaultKey = Template.Parse("{{ target }}");

    private readonly ProducerConfig _config;
    private readonly Template _topic;
    private readonly Template _key;
    private readonly BindingMode _mode;
    private readonly TimeSpan _timeout;
    private volatile string? _lastError;
    private volatile bool _fatal;

    private KafkaSink(string name, string where, ProducerConfig config, Template topic, Template key, BindingMode mode, TimeSpan timeout) : base(name, where)
    {
        _config = config;
        _topic = topic;
        _key = key;
        _mode = mode;
        _timeout = timeout;
    }

    public static KafkaSink Create(SinkSettings settings, RouteTexts texts)
    {
        var servers = settings.Required("bootstrap_servers");
        var timeout = settings.Duration("timeout", TimeSpan.FromSeconds(10));
        var config = new ProducerConfig
        {
            BootstrapServers = servers,
            ClientId = $"hookrelay-{Environment.MachineName}-{settings.SinkName}",
            EnableIdempotence = true,
            Acks = Acks.All,
            MessageTimeoutMs = (int)timeout.TotalMilliseconds,
            LingerMs = 2,
            SecurityProtocol = settings.Text("security_protocol") switch
            {
                "ssl" => SecurityProtocol.Ssl,
                "sasl_plaintext" => SecurityProtocol.SaslPlaintext,
                "sasl_ssl" => SecurityProtocol.SaslSsl,
                _ => SecurityProtocol.Plaintext,
            },
        };
        if (settings.Secret("username") is { } username)
        {
            config.SaslUsername = username;
            config.SaslPassword = settings.Secret("password");
            config.SaslMechanism = settings.Text("sasl_mechanism") switch
            {
                "SCRAM-SHA-256" => SaslMechanism.ScramSha256,
                "SCRAM-SHA-512" => SaslMechanism.ScramSha512,
                _ => SaslMechanism.Plain,
            };
        }
        if (settings.Text("ca_file") is { } caFile)
        {
            config.SslCaLocation = caFile;
        }
        if (settings.Flag("insecure", false))
        {
            config.EnableSslCertificateVerification = false;
        }
        return new KafkaSink(settings.SinkName, $"Kafka cluster {servers}", config, Template.Parse(settings.Required("topic")),
            settings.Text("key") is { } key ? Template.Parse(key) : DefaultKey, BrokerKeys.ModeOf(settings), timeout);
    }

    protected override Task<IProducer<string?, byte[]>> ConnectAsync(CancellationToken cancellationToken)
    {
        _fatal = false;
        _lastError = null;
        // The producer keeps its own connections to the brokers; what it says goes into the next failure's message.
        var producer = new ProducerBuilder<string?, byte[]>(_config)
            .SetErrorHandler((_, error) =>
            {
                _lastError = error.Reason;
                _fatal |= error.IsFatal;
            })
            .SetLogHandler((_, _) => { })
            .Build();
        return Task.FromResult(producer);
    }

    protected override ValueTask CloseAsync(IProducer<string?, byte[]> connection)
    {
        try
        {
            connection.Flush(TimeSpan.FromSeconds(2));
        }
        catch (KafkaException)
        {
        }
        connection.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A fatal error (the idempotent producer's sequence broken) needs a new producer; anything else it recovers from itself.</summary>
    protected override bool IsAlive(IProducer<string?, byte[]> connection) => !_fatal;

    protected override async Task PublishAsync(IProducer<string?, byte[]> connection, IReadOnlyList<CloudEventParts> events, DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        // Handed over in order (one partition per key keeps it), reported together.
        var reports = new List<Task<DeliveryResult<string?, byte[]>>>(events.Count);
        foreach (var parts in events)
        {
            var (payload, contentType) = parts.Body(_mode);
            var headers = new Headers { { "content-type", Encoding.UTF8.GetBytes(contentType) } };
            foreach (var (name, value) in parts.Headers(_mode, "ce_"))
            {
                headers.Add(name, Encoding.UTF8.GetBytes(value));
            }
            var key = _key.Render(parts.View, TextFormat.Plain);
            reports.Add(connection.ProduceAsync(_topic.Render(parts.View, TextFormat.SubjectToken),
                new Message<string?, byte[]> { Key = key.Length == 0 ? null : key, Value = payload.ToArray(), Headers = headers }, cancellationToken));
        }
        for (var i = 0; i < reports.Count; i++)
        {
            try
            {
                var report = await reports[i].ConfigureAwait(false);
                results[i] = report.Status == PersistenceStatus.Persisted
                    ? DeliveryResult.Ok
                    : new DeliveryResult.Retry($"the {Where} did not confirm it ({report.Status})");
            }
            catch (ProduceException<string?, byte[]> e)
            {
                results[i] = new DeliveryResult.Retry($"the {Where}: {Explain(e)}");
            }
        }
    }

    protected override string Explain(Exception exception) => exception switch
    {
        ProduceException<string?, byte[]> { Error.Code: ErrorCode.Local_MsgTimedOut } =>
            $"no delivery report within {_timeout.TotalSeconds:0.###} s{(_lastError is { } last ? $" (librdkafka: {last})" : "")}",
        KafkaException kafka => $"{kafka.Error.Reason} ({kafka.Error.Code})",
        DllNotFoundException => "librdkafka could not be loaded: centos8-librdkafka.so belongs beside the hookrelay binary",
        _ => exception.Message,
    };

    protected override bool Breaks(Exception exception) => _fatal || exception is not ProduceException<string?, byte[]>;
}
