using System.Text.Json;
using HookRelay.Events;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

/// <summary>The alertmanager sink against a real Alertmanager, read back through its own API.</summary>
public sealed class AlertmanagerSinkTests : IAsyncLifetime
{
    private AlertmanagerServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await AlertmanagerServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private AlertmanagerSink Sink(string? url = null, params (string, string)[] more) =>
        AlertmanagerSink.Create(SinkTestEvents.Settings("alertmanager", [("url", url ?? _server.Url), .. more]), RouteTexts.None);

    private async Task<List<JsonElement>> AlertsAsync()
    {
        using var client = new HttpClient();
        var body = await client.GetStringAsync($"{_server.Url}/api/v2/alerts", TestContext.Current.CancellationToken);
        return [.. JsonDocument.Parse(body).RootElement.EnumerateArray().Select(a => a.Clone())];
    }

    private static SinkMessage RecentMigration(Func<HookEvent, HookEvent>? change = null, bool test = false)
    {
        // Alertmanager drops alerts that ended in the past: the event must be recent.
        var ev = HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), "node1.lab.example") with { Timing = new RunTiming(DateTimeOffset.UtcNow.AddSeconds(-4), 4200) };
        ev = change?.Invoke(ev) ?? ev;
        var cloudEvent = CloudEvent.For(ev, DateTimeOffset.UtcNow) with { Test = test };
        return new SinkMessage(cloudEvent.Id, "route", cloudEvent.Type, cloudEvent.ToJsonUtf8());
    }

    [Fact]
    public async Task A_test_sends_alert_carries_a_test_label_no_configured_label_can_hide()
    {
        using (var sink = Sink(null, ("labels.hookrelay_test", "false")))
        {
            Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(RecentMigration(test: true), TestContext.Current.CancellationToken));
            Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(RecentMigration(), TestContext.Current.CancellationToken));
        }

        var alerts = await AlertsAsync();
        Assert.Equal(2, alerts.Count);
        Assert.Equal(["false", "true"], alerts.Select(a => a.GetProperty("labels").GetProperty(AlertmanagerSink.TestLabel).GetString()).Order());
    }

    [Fact]
    public async Task A_live_migration_shows_in_alertmanager_with_its_labels_and_summary()
    {
        var message = RecentMigration();
        using (var sink = Sink(null, ("labels.team", "virt"), ("labels.primary", "{{ migrate.new_primary }}"), ("resolve_after", "10m")))
        {
            Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(message, TestContext.Current.CancellationToken));
        }
        var alert = Assert.Single(await AlertsAsync());
        var labels = alert.GetProperty("labels");
        Assert.Equal("GanetiOperation", labels.GetProperty("alertname").GetString());
        Assert.Equal("instance-migrate", labels.GetProperty("hook").GetString());
        Assert.Equal("post", labels.GetProperty("phase").GetString());
        Assert.Equal("web-1.lab.example", labels.GetProperty("instance_name").GetString());
        Assert.False(labels.TryGetProperty("node", out _));
        Assert.Contains("on node1.lab.example", alert.GetProperty("annotations").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("virt", labels.GetProperty("team").GetString());
        Assert.Equal("node2.lab.example", labels.GetProperty("primary").GetString());
        var annotations = alert.GetProperty("annotations");
        Assert.Equal("web-1.lab.example live-migrated node1.lab.example → node2.lab.example on cluster cluster.lab.example (4.2 s)",
            annotations.GetProperty("summary").GetString());
        Assert.Equal(message.EventId, annotations.GetProperty("event_id").GetString());
        Assert.Equal("active", alert.GetProperty("status").GetProperty("state").GetString());
        var starts = alert.GetProperty("startsAt").GetDateTimeOffset();
        var ends = alert.GetProperty("endsAt").GetDateTimeOffset();
        Assert.Equal(TimeSpan.FromMinutes(10), ends - starts);
    }

    [Fact]
    public async Task The_copies_of_one_operation_from_two_nodes_are_one_alert()
    {
        using var sink = Sink();
        var fromNode1 = RecentMigration();
        var fromNode2 = RecentMigration(ev => ev with { Node = ev.Node with { Name = "node2.lab.example" } });
        await sink.DeliverAsync(fromNode1, TestContext.Current.CancellationToken);
        await sink.DeliverAsync(fromNode2, TestContext.Current.CancellationToken);
        var alert = Assert.Single(await AlertsAsync());
        Assert.Equal(fromNode2.EventId, alert.GetProperty("annotations").GetProperty("event_id").GetString());
    }

    [Fact]
    public async Task Hostile_and_huge_values_still_make_an_alert()
    {
        using var sink = Sink();
        var name = "evil\"} {alertname=\"x\n" + new string('x', 1_000_000);
        var result = await sink.DeliverAsync(RecentMigration(ev => ev with { Instance = ev.Instance! with { Name = name } }), TestContext.Current.CancellationToken);
        Assert.IsType<DeliveryResult.Delivered>(result);
        var alert = Assert.Single(await AlertsAsync());
        Assert.Equal("GanetiOperation", alert.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.StartsWith("evil\"} {alertname=\"x\nxxx", alert.GetProperty("labels").GetProperty("instance_name").GetString(), StringComparison.Ordinal);
        Assert.InRange(alert.GetProperty("labels").GetProperty("instance_name").GetString()!.Length, 100, 1024);
        Assert.DoesNotContain('\n', alert.GetProperty("annotations").GetProperty("summary").GetString()!);
    }

    [Fact]
    public async Task The_request_matches_its_golden_file()
    {
        await using var receiver = await TestReceiver.StartAsync();
        using (var sink = Sink(receiver.Url.Replace("/hook", "/am", StringComparison.Ordinal), ("severity", "warning"), ("generator_url", "https://ganeti.example.org")))
        {
            Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken));
        }
        var request = Assert.Single(receiver.Accepted);
        Assert.Equal("/am/api/v2/alerts", request.Path);
        Golden.AssertMatches("alertmanager-live-migration.json", Golden.Indented(request.Body));
    }

    [Fact]
    public async Task Alertmanager_down_is_retried()
    {
        using var sink = Sink("http://127.0.0.1:1");
        Assert.IsType<DeliveryResult.Retry>(await sink.DeliverAsync(RecentMigration(), TestContext.Current.CancellationToken));
    }
}
