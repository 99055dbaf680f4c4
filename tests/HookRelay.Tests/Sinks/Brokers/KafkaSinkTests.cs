using System.Text.Json;
using HookRelay.Cli;
using HookRelay.Sinks;
using HookRelay.Sinks.Brokers;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Brokers;

/// <summary>The Kafka sink against librdkafka's mock cluster (<see cref="KafkaMockCluster"/>), what it produced read back with kcat.</summary>
public sealed class KafkaSinkTests : IDisposable
{
    private readonly KafkaMockCluster _cluster = new();
    private readonly string _topic = "ganeti-" + Guid.NewGuid().ToString("N")[..8];

    private KafkaSink Sink(params (string, string)[] more) => KafkaSink.Create(SinkTestEvents.Settings("kafka",
        [("bootstrap_servers", _cluster.BootstrapServers), ("topic", _topic), ("timeout", "5s"), .. more]), RouteTexts.None);


    [Fact]
    public async Task Binary_mode_keys_by_instance_with_every_attribute_as_a_ce_header_and_the_data_as_value()
    {
        var message = BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000001");
        using var sink = Sink();

        Assert.IsType<DeliveryResult.Delivered>(Assert.Single(await BrokerTestEvents.Deliver(sink, message)));

        var got = Assert.Single(_cluster.Read(_topic, 1));
        Assert.Equal("web-1.lab.example", got.GetProperty("key").GetString());
        var headers = KafkaMockCluster.Headers(got);
        Assert.Equal("application/json", headers["content-type"]);
        Assert.Equal(BrokerTestEvents.Attributes(message), headers.Where(h => h.Key.StartsWith("ce_", StringComparison.Ordinal)).ToDictionary(h => h.Key[3..], h => h.Value));
        Assert.Equal(BrokerTestEvents.Data(message), JsonDocument.Parse(got.GetProperty("payload").GetString()!).RootElement.GetRawText());
    }

    [Fact]
    public async Task A_batch_keeps_its_order_and_structured_mode_carries_the_whole_cloud_event()
    {
        var messages = BrokerTestEvents.Migrations(50);
        using var sink = Sink(("mode", "structured"));

        Assert.All(await BrokerTestEvents.Deliver(sink, [.. messages]), r => Assert.IsType<DeliveryResult.Delivered>(r));

        var got = _cluster.Read(_topic, 50);
        Assert.Equal(messages.Select(m => m.EventId), got.Select(g => JsonDocument.Parse(g.GetProperty("payload").GetString()!).RootElement.GetProperty("id").GetString()));
        Assert.Equal(CloudEventParts.StructuredContentType, KafkaMockCluster.Headers(got[0])["content-type"]);
    }

    [Fact]
    public async Task A_cluster_that_does_not_answer_is_retried_after_the_timeout_with_what_librdkafka_said()
    {
        using var sink = KafkaSink.Create(SinkTestEvents.Settings("kafka",
            ("bootstrap_servers", $"127.0.0.1:{ServiceProcesses.FreeLoopbackPort()}"), ("topic", _topic), ("timeout", "2s")), RouteTexts.None);

        var retry = Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000002"))));

        Assert.StartsWith("the Kafka cluster 127.0.0.1:", retry.Reason, StringComparison.Ordinal);
        Assert.Contains("no delivery report within 2 s", retry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_published_binary_produces_to_the_cluster()
    {
        using var host = new HookRelayHost();
        host.Configure($$"""
            sinks:
              kafka: { type: kafka, bootstrap_servers: "{{_cluster.BootstrapServers}}", topic: {{_topic}} }
            routes: [ { name: all, on_node: all, to: [kafka] } ]
            """);

        var hook = await host.RunHookAsync("instance-migrate-post-node1-01");
        var run = await host.CliAsync("test-send", "kafka");
        await host.DrainAsync();

        Assert.Equal(0, hook.ExitCode);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stdout + run.Stderr);
        var got = _cluster.Read(_topic, 2);
        Assert.Equal(2, got.Count);
        Assert.Contains(got, g => KafkaMockCluster.Headers(g).GetValueOrDefault("ce_hookrelaytest") == "true");
        Assert.Equal(0, host.Count("state <> 1"));
    }

    public void Dispose() => _cluster.Dispose();
}
