using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Web;

/// <summary>The event API of a real `hookrelay serve`, after real hook runs: filters, paging, a timeline, the live stream, the token.</summary>
public sealed class EventApiTests : IDisposable
{
    private const string Token = "event-api-token";
    private readonly HookRelayHost _host = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly int _port = ServiceProcesses.FreeLoopbackPort();

    public EventApiTests()
    {
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var tokenFile = Path.Combine(_host.Dir.Path, "web-token");
        File.WriteAllText(tokenFile, Token);
        _host.Configure($$"""
            web: { listen: "127.0.0.1:{{_port}}", token: "${file:{{tokenFile}}}" }
            sinks:
              dump: { type: file, path: {{Path.Combine(_host.Dir.Path, "events.jsonl")}} }
            routes: [ { name: all, on_node: all, matchers: ['hook=~"instance-(migrate|reboot)"'], to: [dump] } ]
            """);
    }

    public void Dispose()
    {
        _http.Dispose();
        _host.Dispose();
    }

    private string Base => $"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}";


    private async Task<ServeProcess> StartWithEventsAsync()
    {
        var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        foreach (var (capture, instance) in new[]
        {
            ("instance-migrate-pre-node1-01", "web-1"), ("instance-migrate-post-node1-01", "web-1"),
            ("instance-migrate-post-node1-01", "web-2"), ("instance-reboot-post-node1-01", "web-1"),
        })
        {
            Assert.Equal(0, (await _host.RunHookAsync(capture, change: Fixtures.Named(instance))).ExitCode);
        }
        await _host.WaitForOutboxAsync("state = 1", 4, TimeSpan.FromSeconds(30));
        return serve;
    }

    private async Task<JsonElement> GetAsync(string pathAndQuery)
    {
        using var response = await _http.GetAsync(Base + pathAndQuery, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{pathAndQuery}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private static List<string> Subjects(JsonElement answer) =>
        [.. answer.GetProperty("events").EnumerateArray().Select(e => $"{e.GetProperty("event").GetProperty("type").GetString()} {e.GetProperty("event").GetProperty("subject").GetString()}")];

    [Fact]
    public async Task Events_are_listed_newest_first_with_their_deliveries_and_filtered_by_instance_hook_and_phase()
    {
        using var serve = await StartWithEventsAsync();
        var all = await GetAsync("/api/events");
        Assert.Equal(["org.ganeti.instance-reboot.post web-1", "org.ganeti.instance-migrate.post web-2", "org.ganeti.instance-migrate.post web-1", "org.ganeti.instance-migrate.pre web-1"],
            Subjects(all));
        var newest = all.GetProperty("events")[0];
        var delivery = Assert.Single(newest.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("dump", delivery.GetProperty("sink").GetString());
        Assert.Equal("delivered", delivery.GetProperty("state").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.False(string.IsNullOrEmpty(newest.GetProperty("text").GetString()));
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next").ValueKind);

        Assert.Equal(["org.ganeti.instance-migrate.post web-2"], Subjects(await GetAsync("/api/events?instance=WEB-2")));
        Assert.Equal(["org.ganeti.instance-migrate.post web-2", "org.ganeti.instance-migrate.post web-1", "org.ganeti.instance-migrate.pre web-1"],
            Subjects(await GetAsync("/api/events?hook=instance-migrate")));
        Assert.Equal(["org.ganeti.instance-migrate.pre web-1"], Subjects(await GetAsync("/api/events?hook=instance-migrate&phase=pre")));
        Assert.Equal(["org.ganeti.instance-reboot.post web-1", "org.ganeti.instance-migrate.post web-2", "org.ganeti.instance-migrate.post web-1"],
            Subjects(await GetAsync("/api/events?phase=post")));
        Assert.Equal(4, Subjects(await GetAsync("/api/events?since=1h")).Count);
        Assert.Empty(Subjects(await GetAsync($"/api/events?since={DateTimeOffset.UtcNow.AddMinutes(5):yyyy-MM-ddTHH:mm:ssZ}")));
    }

    [Fact]
    public async Task Pages_follow_their_next_link_to_the_end_without_gaps_or_repeats()
    {
        using var serve = await StartWithEventsAsync();
        var seen = new List<string>();
        var next = "/api/events?limit=3";
        var pages = 0;
        while (next is not null && pages++ < 10)
        {
            var page = await GetAsync(next);
            seen.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetProperty("id").GetString()!));
            next = page.GetProperty("next").GetString();
        }
        Assert.Equal(4, seen.Count);
        Assert.Equal(4, seen.Distinct().Count());
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task An_instances_timeline_is_its_events_oldest_first_with_the_migrations_duration()
    {
        using var serve = await StartWithEventsAsync();
        var timeline = await GetAsync("/api/instances/web-1/timeline");
        Assert.Equal("web-1", timeline.GetProperty("instance").GetString());
        Assert.Equal(["org.ganeti.instance-migrate.pre web-1", "org.ganeti.instance-migrate.post web-1", "org.ganeti.instance-reboot.post web-1"], Subjects(timeline));
        var post = timeline.GetProperty("events")[1].GetProperty("event").GetProperty("data");
        Assert.True(post.GetProperty("timing").GetProperty("duration_ms").GetInt64() >= 0);
        Assert.Empty(Subjects(await GetAsync("/api/instances/db-9/timeline")));
    }

    [Fact]
    public async Task The_stream_sends_each_new_event_once_and_resumes_after_the_last_one_seen()
    {
        using var serve = await StartWithEventsAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Get, Base + "/api/events/stream?instance=web-3");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        Assert.Equal(": hookrelay events", await reader.ReadLineAsync(cancel.Token));
        Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01", change: Fixtures.Named("web-2"))).ExitCode);
        Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01", change: Fixtures.Named("web-3"))).ExitCode);

        var (id, type, data) = await NextEventAsync(reader, cancel.Token);
        Assert.Equal("cloudevent", type);
        using var cloudEvent = JsonDocument.Parse(data);
        Assert.Equal("web-3", cloudEvent.RootElement.GetProperty("subject").GetString());

        // A client that saw that one and comes back gets only what came after it.
        Assert.Equal(0, (await _host.RunHookAsync("instance-reboot-post-node1-01", change: Fixtures.Named("web-3"))).ExitCode);
        using var again = new HttpRequestMessage(HttpMethod.Get, Base + "/api/events/stream?instance=web-3");
        again.Headers.Add("Last-Event-ID", id);
        using var resumed = await _http.SendAsync(again, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader2 = new StreamReader(await resumed.Content.ReadAsStreamAsync(cancel.Token));
        var (_, _, after) = await NextEventAsync(reader2, cancel.Token);
        using var rebooted = JsonDocument.Parse(after);
        Assert.Equal("org.ganeti.instance-reboot.post", rebooted.RootElement.GetProperty("type").GetString());
    }

    private static async Task<(string Id, string Type, string Data)> NextEventAsync(StreamReader reader, CancellationToken token)
    {
        string? id = null, type = null;
        while (await reader.ReadLineAsync(token) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return (id!, type!, line[6..]);
            }
        }
        throw new EndOfStreamException("the stream ended before an event");
    }

    [Fact]
    public async Task The_api_refuses_a_request_without_the_token_and_a_bad_filter_with_what_was_wrong()
    {
        using var serve = await StartWithEventsAsync();
        using var anonymous = new HttpClient();
        foreach (var path in new[] { "/api/events", "/api/events/stream", "/api/instances/web-1/timeline" })
        {
            using var refused = await anonymous.GetAsync(Base + path, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        foreach (var (query, said) in new[] { ("phase=during", "phase 'during'"), ("since=yesterday", "since 'yesterday'"), ("limit=0", "limit '0'"), ("before=x", "before 'x'") })
        {
            using var bad = await _http.GetAsync($"{Base}/api/events?{query}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains(said, await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
    }
}
