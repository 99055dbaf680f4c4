using System.Globalization;
using System.Text;
using System.Text.Json;
using HookRelay.Sinks;
using HookRelay.Sinks.Brokers;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace HookRelay.Tests.Sinks.Brokers;

/// <summary>
/// The NATS JetStream sink against Debian's nats-server, what it published read back from the
/// stream by NATS.Net's own JetStream API (stored messages with their headers).
/// </summary>
public sealed class NatsSinkTests : IAsyncLifetime
{
    private BrokerServer _server = null!;

    private string Url => $"nats://127.0.0.1:{_server.Port}";

    public async ValueTask InitializeAsync()
    {
        _server = await Support.Brokers.NatsAsync();
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = Url });
        await new NatsJSContext(nats).CreateStreamAsync(new StreamConfig("GANETI", ["ganeti.>"]) { DuplicateWindow = TimeSpan.FromMinutes(2) },
            TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private NatsSink Sink(params (string, string)[] more) =>
        NatsSink.Create(SinkTestEvents.Settings("nats", [("url", Url), ("timeout", "3s"), .. more]), RouteTexts.None);


    /// <summary>Every message the stream holds, oldest first: subject, headers, payload.</summary>
    private async Task<List<(string Subject, Dictionary<string, string> Headers, string Payload)>> StoredAsync()
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = Url });
        var stream = await new NatsJSContext(nats).GetStreamAsync("GANETI", cancellationToken: TestContext.Current.CancellationToken);
        var stored = new List<(string, Dictionary<string, string>, string)>();
        for (ulong seq = 1; seq <= stream.Info.State.LastSeq; seq++)
        {
            var message = (await stream.GetAsync(new StreamMsgGetRequest { Seq = seq }, TestContext.Current.CancellationToken)).Message;
            var headers = Encoding.UTF8.GetString(Convert.FromBase64String(message.Hdrs ?? "")).Split("\r\n").Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
                .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)], l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.Ordinal);
            stored.Add((message.Subject, headers, Encoding.UTF8.GetString(message.Data.Span)));
        }
        return stored;
    }

    [Fact]
    public async Task Binary_mode_carries_every_attribute_as_a_ce_header_the_event_id_as_nats_msg_id_and_the_data_as_payload()
    {
        var message = BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000001");
        using var sink = Sink();

        Assert.IsType<DeliveryResult.Delivered>(Assert.Single(await BrokerTestEvents.Deliver(sink, message)));

        var (subject, headers, payload) = Assert.Single(await StoredAsync());
        Assert.Equal("ganeti.cluster_lab_example.instance-migrate.post.web-1_lab_example", subject);
        Assert.Equal(message.EventId, headers["Nats-Msg-Id"]);
        Assert.Equal("application/json", headers["Content-Type"]);
        Assert.Equal(BrokerTestEvents.Attributes(message), headers.Where(h => h.Key.StartsWith("ce-", StringComparison.Ordinal)).ToDictionary(h => h.Key[3..], h => h.Value));
        Assert.Equal(BrokerTestEvents.Data(message), JsonDocument.Parse(payload).RootElement.GetRawText());
    }

    [Fact]
    public async Task Structured_mode_stores_the_whole_cloud_event()
    {
        var message = BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000002");
        using var sink = Sink(("mode", "structured"));

        Assert.IsType<DeliveryResult.Delivered>(Assert.Single(await BrokerTestEvents.Deliver(sink, message)));

        var (_, headers, payload) = Assert.Single(await StoredAsync());
        Assert.Equal(CloudEventParts.StructuredContentType, headers["Content-Type"]);
        Assert.DoesNotContain(headers.Keys, k => k.StartsWith("ce-", StringComparison.Ordinal));
        Assert.Equal(BrokerTestEvents.Document(message).GetRawText(), JsonDocument.Parse(payload).RootElement.GetRawText());
    }

    [Fact]
    public async Task A_batch_is_stored_in_order_and_a_redelivery_of_the_same_events_is_dropped_by_the_stream()
    {
        var messages = BrokerTestEvents.Migrations(50);
        using var sink = Sink();

        Assert.All(await BrokerTestEvents.Deliver(sink, [.. messages]), r => Assert.IsType<DeliveryResult.Delivered>(r));
        Assert.All(await BrokerTestEvents.Deliver(sink, [.. messages.Take(10)]), r => Assert.IsType<DeliveryResult.Delivered>(r));

        Assert.Equal(messages.Select(m => m.EventId), (await StoredAsync()).Select(s => s.Headers["Nats-Msg-Id"]));
    }

    [Fact]
    public async Task A_subject_no_stream_takes_is_retried_with_that_said()
    {
        using var sink = Sink(("subject", "elsewhere.{{ hook }}"));

        var retry = Assert.IsType<DeliveryResult.Retry>(Assert.Single(await BrokerTestEvents.Deliver(sink, BrokerTestEvents.Migration("019abcde-0000-7000-8000-000000000003"))));

        Assert.Equal($"the NATS server 127.0.0.1:{_server.Port}: no stream takes this subject (no responders): create one, or change the subject", retry.Reason);
    }

    [Fact]
    public async Task Stopped_and_restarted_mid_stream_every_event_arrives_once()
    {
        var messages = BrokerTestEvents.Migrations(20);
        using var sink = Sink();
        var redelivery = new Redelivery(sink);

        await redelivery.OnceAsync(messages.Take(10));
        await _server.StopAsync();
        Assert.All(await redelivery.OnceAsync(messages.Skip(10).Take(3)), r => Assert.IsType<DeliveryResult.Retry>(r));
        await _server.StartAgainAsync();
        // What failed is retried, as the daemon would, and so is one that did arrive (a lost ack).
        await redelivery.AgainAsync(messages.Skip(9), repeat: messages[9]);

        Assert.Equal(20, redelivery.Acknowledged.Count);
        Assert.Equal(messages.Select(m => m.EventId), (await StoredAsync()).Select(s => s.Headers["Nats-Msg-Id"]));
        Assert.Equal(2, sink.Connection.Opened);
    }
}
