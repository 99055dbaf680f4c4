using System.Globalization;
using System.Text;
using System.Text.Json;
using HookRelay.Sinks;
using HookRelay.Sinks.Brokers;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;
using RabbitMQ.Client;

namespace HookRelay.Tests.Sinks.Brokers;

/// <summary>One RabbitMQ for the class (it takes seconds to start), with a vhost and user of its own.</summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    public BrokerServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await Support.Brokers.RabbitMqAsync();

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// The AMQP sink against Debian's RabbitMQ: what it published read back with RabbitMQ.Client's
/// own basic.get from a queue the test binds, every property and header compared.
/// </summary>
public sealed class AmqpSinkTests(RabbitMqFixture rabbit) : IClassFixture<RabbitMqFixture>
{
    private readonly string _exchange = "ganeti-" + Guid.NewGuid().ToString("N")[..8];

    private ConnectionFactory Factory => new()
    {
        HostName = "127.0.0.1",
        Port = rabbit.Server.Port,
        VirtualHost = "hookrelay",
        UserName = Support.Brokers.User,
        Password = Support.Brokers.Password,
    };

    private AmqpSink Sink(params (string, string)[] more) => AmqpSink.Create(SinkTestEvents.Settings("amqp",
        [("host", "127.0.0.1"), ("port", rabbit.Server.Port.ToString(CultureInfo.InvariantCulture)), ("vhost", "hookrelay"),
         ("username", Support.Brokers.User), ("password", Support.Brokers.Password), ("exchange", _exchange), ("timeout", "5s"), .. more]), RouteTexts.None);


    /// <summary>A topic exchange and a queue taking every ganeti.# key: what a consumer of HookRelay's events sets up.</summary>
    private async Task<string> BindQueueAsync()
    {
        await using var connection = await Factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
        await channel.ExchangeDeclareAsync(_exchange, ExchangeType.Topic, durable: true, cancellationToken: TestContext.Current.CancellationToken);
        var queue = await channel.QueueDeclareAsync(_exchange + "-queue", durable: true, exclusive: false, autoDelete: false, cancellationToken: TestContext.Current.CancellationToken);
        await channel.QueueBindAsync(queue.QueueName, _exchange, "ganeti.#", cancellationToken: TestContext.Current.CancellationToken);
        return queue.QueueName;
    }

    private async Task<List<BasicGetResult>> DrainAsync(string queue)
    {
        await using var connection = await Factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
        var got = new List<BasicGetResult>();
        while (await channel.BasicGetAsync(queue, autoAck: true, TestContext.Current.CancellationToken) is { } message)
        {
            got.Add(message);
        }
        return got;
    }

    [Fact]
    public async Task Binary_mode_sends_a_persistent_message_with_the_event_id_cloud_events_headers_and_the_data_as_body()
    {
        var queue = await BindQueueAsync();
        var message = BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000001");
        using var sink = Sink();

        Assert.IsType<DeliveryResult.Delivered>(Assert.Single(await BrokerTestEvents.Deliver(sink, message)));

        var got = Assert.Single(await DrainAsync(queue));
        Assert.Equal("ganeti.cluster_lab_example.instance-migrate.post.web-1_lab_example", got.RoutingKey);
        Assert.Equal(message.EventId, got.BasicProperties.MessageId);
        Assert.Equal(DeliveryModes.Persistent, got.BasicProperties.DeliveryMode);
        Assert.Equal("application/json", got.BasicProperties.ContentType);
        Assert.Equal(message.EventType, got.BasicProperties.Type);
        Assert.Equal(BrokerTestEvents.Attributes(message), got.BasicProperties.Headers!.Where(h => h.Key.StartsWith("cloudEvents:", StringComparison.Ordinal))
            .ToDictionary(h => h.Key["cloudEvents:".Length..], h => Encoding.UTF8.GetString((byte[])h.Value!)));
        Assert.Equal(BrokerTestEvents.Data(message), JsonDocument.Parse(got.Body).RootElement.GetRawText());
    }

    [Fact]
    public async Task A_batch_arrives_in_order_and_structured_mode_carries_the_whole_cloud_event()
    {
        var queue = await BindQueueAsync();
        var messages = BrokerTestEvents.Migrations(10);
        using var sink = Sink(("mode", "structured"));

        Assert.All(await BrokerTestEvents.Deliver(sink, [.. messages]), r => Assert.IsType<DeliveryResult.Delivered>(r));

        var got = await DrainAsync(queue);
        Assert.Equal(messages.Select(m => m.EventId), got.Select(g => g.BasicProperties.MessageId));
        Assert.Equal(CloudEventParts.StructuredContentType, got[0].BasicProperties.ContentType);
        Assert.Equal(BrokerTestEvents.Document(messages[0]).GetRawText(), JsonDocument.Parse(got[0].Body).RootElement.GetRawText());
    }

    [Fact]
    public async Task An_exchange_that_does_not_exist_is_retried_with_the_brokers_words_and_the_next_delivery_reconnects()
    {
        using var sink = Sink(("exchange", "no-such-exchange"));

        var retry = Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000002"))));
        Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000002"))));

        Assert.Contains("NOT_FOUND - no exchange 'no-such-exchange' in vhost 'hookrelay'", retry.Reason, StringComparison.Ordinal);
        Assert.Equal(2, sink.Connection.Opened);
    }

    [Fact]
    public async Task A_message_no_queue_takes_comes_back_and_is_retried_not_lost()
    {
        await BindQueueAsync();
        using var sink = Sink(("routing_key", "elsewhere.{{ hook }}"));

        var retry = Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000003"))));

        Assert.Contains($"no queue takes routing key 'elsewhere.instance-migrate' on exchange '{_exchange}'", retry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_login_the_broker_refuses_is_retried_and_never_shows_the_password()
    {
        using var sink = Sink(("password", "wrong-" + Support.Brokers.Password));

        var retry = Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000004"))));

        Assert.StartsWith($"cannot connect to the AMQP broker 127.0.0.1:{rabbit.Server.Port}:", retry.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Support.Brokers.Password, retry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopped_and_restarted_mid_stream_every_event_is_queued_and_a_repeat_carries_the_same_message_id()
    {
        var queue = await BindQueueAsync();
        var messages = BrokerTestEvents.Migrations(10, "019abcde-0000-7000-8001-");
        using var sink = Sink();
        var redelivery = new Redelivery(sink);

        await redelivery.OnceAsync(messages.Take(5));
        await rabbit.Server.StopAsync();
        Assert.All(await redelivery.OnceAsync(messages.Skip(5).Take(2)), r => Assert.IsType<DeliveryResult.Retry>(r));
        await rabbit.Server.StartAgainAsync();
        // The rest, and one that did arrive again (its confirm lost), through the reconnected sink.
        await redelivery.AgainAsync(messages.Skip(4), repeat: messages[4]);

        Assert.Equal(10, redelivery.Acknowledged.Count);
        var ids = (await DrainAsync(queue)).Select(m => m.BasicProperties.MessageId!).ToList();
        Redelivery.AssertEachOnceButTheRepeat(messages, ids, repeat: messages[4]);
    }

    [Fact]
    public async Task Test_send_through_the_published_binary_is_confirmed_and_queued()
    {
        var queue = await BindQueueAsync();
        using var host = new HookRelayHost();
        File.WriteAllText(Path.Combine(host.Dir.Path, "amqp.password"), Support.Brokers.Password);
        host.Configure($$"""
            sinks:
              rabbit: { type: amqp, host: 127.0.0.1, port: {{rabbit.Server.Port}}, vhost: hookrelay, username: {{Support.Brokers.User}},
                        password: "${file:{{Path.Combine(host.Dir.Path, "amqp.password")}}}", exchange: {{_exchange}} }
            routes: [ { name: all, to: [rabbit] } ]
            """);

        var run = await host.CliAsync("test-send", "rabbit");

        Assert.True(run.ExitCode == HookRelay.Cli.ExitCodes.Ok, run.Stdout + run.Stderr);
        Assert.DoesNotContain(Support.Brokers.Password, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Equal("true", Encoding.UTF8.GetString((byte[])Assert.Single(await DrainAsync(queue)).BasicProperties.Headers!["cloudEvents:hookrelaytest"]!));
    }
}
