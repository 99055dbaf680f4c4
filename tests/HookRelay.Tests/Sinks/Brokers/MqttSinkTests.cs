using System.Globalization;
using System.Text.Json;
using HookRelay.Sinks;
using HookRelay.Sinks.Brokers;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Brokers;

/// <summary>The MQTT sink against Debian's mosquitto, what it published read back by mosquitto_sub.</summary>
public sealed class MqttSinkTests : IAsyncLifetime
{
    private Support.Brokers.Mosquitto _mosquitto = null!;
    private BrokerServer _broker = null!;
    private int _authPort;

    public async ValueTask InitializeAsync()
    {
        _mosquitto = await Support.Brokers.MosquittoAsync();
        (_broker, _authPort) = (_mosquitto.Server, _mosquitto.AuthPort);
    }

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    private MqttSink Sink(params (string, string)[] more) => MqttSink.Create(SinkTestEvents.Settings("mqtt",
        [("host", "127.0.0.1"), ("port", _broker.Port.ToString(CultureInfo.InvariantCulture)), ("timeout", "5s"), .. more]), RouteTexts.None);


    [Fact]
    public async Task Binary_mode_under_mqtt_5_carries_every_attribute_as_a_user_property_and_the_data_as_payload()
    {
        using var subscriber = await MosquittoSubscriber.StartAsync(_broker.Port, "ganeti/#");
        var message = BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000001");
        using var sink = Sink();

        Assert.All(await BrokerTestEvents.Deliver(sink, message), r => Assert.IsType<DeliveryResult.Delivered>(r));

        var got = Assert.Single(await subscriber.MessagesAsync(1));
        Assert.Equal("ganeti/cluster.lab.example/instance-migrate/post/web-1.lab.example", got.GetProperty("topic").GetString());
        Assert.Equal(1, got.GetProperty("qos").GetInt32());
        var properties = got.GetProperty("properties");
        Assert.Equal("application/json", properties.GetProperty("content-type").GetString());
        Assert.Equal(BrokerTestEvents.Attributes(message), properties.GetProperty("user-properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        Assert.Equal(BrokerTestEvents.Data(message), JsonDocument.Parse(got.GetProperty("payload").GetString()!).RootElement.GetRawText());
    }

    [Fact]
    public async Task Under_3_1_1_the_whole_cloud_event_is_the_payload_and_a_batch_arrives_in_order()
    {
        using var subscriber = await MosquittoSubscriber.StartAsync(_broker.Port, "ganeti/#", "mqttv311");
        var messages = BrokerTestEvents.Migrations(5);
        using var sink = Sink(("protocol", "3.1.1"));

        Assert.All(await BrokerTestEvents.Deliver(sink, [.. messages]), r => Assert.IsType<DeliveryResult.Delivered>(r));

        var got = await subscriber.MessagesAsync(5);
        Assert.Equal(messages.Select(m => m.EventId), got.Select(g => JsonDocument.Parse(g.GetProperty("payload").GetString()!).RootElement.GetProperty("id").GetString()));
        Assert.Equal(BrokerTestEvents.Document(messages[0]).GetRawText(), JsonDocument.Parse(got[0].GetProperty("payload").GetString()!).RootElement.GetRawText());
    }

    [Fact]
    public async Task A_value_never_adds_a_topic_level_or_a_wildcard()
    {
        using var subscriber = await MosquittoSubscriber.StartAsync(_broker.Port, "t/#");
        using var sink = Sink(("topic", "t/{{ instance }}/{{ hook }}"));
        var message = BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000002");
        var json = System.Text.Encoding.UTF8.GetString(message.CloudEventJson.Span).Replace("\"web-1.lab.example\"", "\"a/b+c#d\"", StringComparison.Ordinal);

        Assert.All(await BrokerTestEvents.Deliver(sink, message with { CloudEventJson = System.Text.Encoding.UTF8.GetBytes(json) }), r => Assert.IsType<DeliveryResult.Delivered>(r));

        Assert.Equal("t/a_b_c_d/instance-migrate", Assert.Single(await subscriber.MessagesAsync(1)).GetProperty("topic").GetString());
    }

    [Fact]
    public async Task The_instances_last_event_is_retained_on_its_own_topic_for_late_subscribers()
    {
        using (var sink = Sink(("retain_topic", "state/{{ instance }}")))
        {
            Assert.All(await BrokerTestEvents.Deliver(sink, [.. BrokerTestEvents.Migrations(2)]), r => Assert.IsType<DeliveryResult.Delivered>(r));
        }

        using var late = await MosquittoSubscriber.StartAsync(_broker.Port, "state/#");
        var retained = Assert.Single(await late.MessagesAsync(1));
        Assert.Equal(1, retained.GetProperty("retain").GetInt32());
        Assert.Equal("019abcde-0000-7000-8000-000000000002", retained.GetProperty("properties").GetProperty("user-properties").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_login_the_broker_refuses_is_retried_with_its_reason_and_never_the_password()
    {
        using var sink = Sink(("port", _authPort.ToString(CultureInfo.InvariantCulture)), ("username", Support.Brokers.User), ("password", "wrong-" + Support.Brokers.Password));

        var retry = Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000003"))));

        Assert.StartsWith($"cannot connect to the MQTT broker 127.0.0.1:{_authPort}:", retry.Reason, StringComparison.Ordinal);
        Assert.Contains("NotAuthorized", retry.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Support.Brokers.Password, retry.Reason, StringComparison.Ordinal);
        using var right = Sink(("port", _authPort.ToString(CultureInfo.InvariantCulture)), ("username", Support.Brokers.User), ("password", Support.Brokers.Password));
        Assert.IsType<DeliveryResult.Delivered>(Assert.Single(await BrokerTestEvents.Deliver(right, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000004"))));
    }

    [Fact]
    public async Task A_broker_that_went_away_is_a_retry_and_the_next_attempt_connects_again()
    {
        using var sink = Sink();
        Assert.IsType<DeliveryResult.Delivered>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000005"))));

        await _broker.StopAsync();
        var down = Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000006"))));
        await _broker.StartAgainAsync();
        using var subscriber = await MosquittoSubscriber.StartAsync(_broker.Port, "ganeti/#");
        var back = Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000006")));

        Assert.Contains("MQTT broker 127.0.0.1", down.Reason, StringComparison.Ordinal);
        Assert.IsType<DeliveryResult.Delivered>(back);
        Assert.Equal(2, sink.Connection.Opened);
        Assert.Single(await subscriber.MessagesAsync(1));
    }

    [Fact]
    public async Task Over_tls_the_brokers_certificate_is_checked_against_the_private_ca()
    {
        (string, string)[] tls = [("host", "localhost"), ("port", _mosquitto.TlsPort.ToString(CultureInfo.InvariantCulture)), ("tls", "true"),
            ("username", Support.Brokers.User), ("password", Support.Brokers.Password)];
        using var trusting = Sink([.. tls, ("ca_file", _mosquitto.CaFile)]);
        using var systemRoots = Sink(tls);

        Assert.IsType<DeliveryResult.Delivered>(Assert.Single(await BrokerTestEvents.Deliver(trusting, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000007"))));
        var refused = Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(systemRoots, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000008"))));

        Assert.StartsWith($"cannot connect to the MQTT broker localhost:{_mosquitto.TlsPort}:", refused.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Support.Brokers.Password, refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopped_and_restarted_mid_stream_every_event_arrives_and_a_repeat_carries_the_same_id()
    {
        using var subscriber = await MosquittoSubscriber.StartAsync(_broker.Port, "ganeti/#");
        var messages = BrokerTestEvents.Migrations(20);
        using var sink = Sink();
        var redelivery = new Redelivery(sink);

        await redelivery.OnceAsync(messages.Take(10));
        // HookRelay's part ends at the PUBACK; mosquitto may send it before it has passed the
        // message on, and without persistence a stop loses what a clean-session subscriber has not
        // got yet (seen once in CI: the 9th message acknowledged, never received). The broker goes
        // down only after the subscriber has what was acknowledged, so the test is about HookRelay.
        Assert.Equal(10, (await subscriber.MessagesAsync(10)).Count);
        await _broker.StopAsync();
        Assert.All(await redelivery.OnceAsync(messages.Skip(10).Take(3)), r => Assert.IsType<DeliveryResult.Retry>(r));
        await _broker.StartAgainAsync();
        await subscriber.SubscribedAsync(2);
        // What failed is retried, as the daemon would, and so is one that did arrive (a lost PUBACK).
        await redelivery.AgainAsync(messages.Skip(9), repeat: messages[9]);

        Assert.Equal(20, redelivery.Acknowledged.Count);
        var ids = (await subscriber.MessagesAsync(21)).Select(g => g.GetProperty("properties").GetProperty("user-properties").GetProperty("id").GetString()!).ToList();
        Redelivery.AssertEachOnceButTheRepeat(messages, ids, repeat: messages[9]);
    }
}
