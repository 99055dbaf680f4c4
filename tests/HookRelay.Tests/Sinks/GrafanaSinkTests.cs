using System.Text.Json;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

/// <summary>Grafana annotations against a real HTTP server on loopback; request bodies compared to golden files.</summary>
public sealed class GrafanaSinkTests : IAsyncLifetime
{
    private TestReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _receiver.AnswerBody = (i, _) => $"{{\"id\":{i + 1},\"message\":\"Annotation added\"}}";
    }

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();

    private GrafanaSink Sink(params (string, string)[] more) =>
        GrafanaSink.Create(SinkTestEvents.Settings("grafana", [("url", _receiver.Url.Replace("/hook", "/grafana/", StringComparison.Ordinal)), ("token", "glsa_secret"), .. more]), RouteTexts.None);

    private async Task<ReceivedRequest> Deliver(GrafanaSink sink, SinkMessage message)
    {
        using (sink)
        {
            Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(message, TestContext.Current.CancellationToken));
        }
        return Assert.Single(_receiver.Accepted);
    }

    [Fact]
    public async Task A_timed_live_migration_is_a_region_from_its_pre_run_to_its_post_run()
    {
        var request = await Deliver(Sink(("tags[0]", "{{ instance.name }}"), ("tags[1]", "ganeti-live-migration"), ("dashboard_uid", "ops"), ("panel_id", "4")),
            SinkTestEvents.LiveMigration());
        Assert.Equal("/grafana/api/annotations", request.Path);
        Assert.Equal("Bearer glsa_secret", request.Headers["authorization"]);
        Golden.AssertMatches("grafana-live-migration-region.json", Golden.Indented(request.Body));
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(4200, body.GetProperty("timeEnd").GetInt64() - body.GetProperty("time").GetInt64());
        Assert.Contains("(4.2 s)", body.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_post_run_without_its_pre_run_is_a_point_at_the_event_time()
    {
        var request = await Deliver(Sink(), SinkTestEvents.Message("instance-migrate-post-node1-01"));
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(SinkTestEvents.Time.ToUnixTimeMilliseconds(), body.GetProperty("time").GetInt64());
        Assert.False(body.TryGetProperty("timeEnd", out _));
        Assert.Equal(["ganeti", "instance-migrate", "web-1.lab.example"], body.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task An_instant_operation_is_a_point_even_when_timed()
    {
        var request = await Deliver(Sink(), SinkTestEvents.Message("instance-reboot-post-node1-01", ev => ev with { Timing = new(SinkTestEvents.Time.AddSeconds(-2), 2000) }));
        Assert.False(JsonDocument.Parse(request.Body).RootElement.TryGetProperty("timeEnd", out _));
    }

    [Fact]
    public async Task Hostile_names_are_html_escaped_in_the_text_and_kept_whole_in_tags()
    {
        var name = "<img src=x onerror=alert(1)> \"q\" 名前";
        var request = await Deliver(Sink(("tags[0]", "{{ instance.name }}")),
            SinkTestEvents.LiveMigration(ev => ev with { Instance = ev.Instance! with { Name = name } }));
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.StartsWith("<b>&lt;img src=x onerror=alert(1)&gt; &quot;q&quot; 名前</b> live-migrated", body.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(name, body.GetProperty("tags")[0].GetString());
    }

    [Fact]
    public async Task A_bad_token_fails_without_naming_it()
    {
        _receiver.Behaviour = (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((401, null));
        _receiver.AnswerBody = (_, _) => "{\"message\":\"invalid API key\"}";
        using var sink = Sink();
        var failed = Assert.IsType<DeliveryResult.Failed>(await sink.DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken));
        Assert.Contains("invalid API key", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("glsa_secret", failed.Reason, StringComparison.Ordinal);
    }
}
