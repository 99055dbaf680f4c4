using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Web;

/// <summary>The dead letters through a real `hookrelay serve`'s listener: listed, replayed and delivered, and a replay no other site can trigger.</summary>
public sealed class DeadLetterApiTests : IAsyncLifetime
{
    private const string Token = "dead-letter-token";
    private readonly HookRelayHost _host = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private readonly int _port = ServiceProcesses.FreeLoopbackPort();
    private TestReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _receiver.AnswerAll(failing: true);
        var tokenFile = Path.Combine(_host.Dir.Path, "web-token");
        await File.WriteAllTextAsync(tokenFile, Token);
        _host.Configure($$"""
            web: { listen: "127.0.0.1:{{_port}}", token: "${file:{{tokenFile}}}" }
            sinks:
              hook: { type: webhook, url: "{{_receiver.Url}}", max_attempts: 1, timeout: 5s }
            routes: [ { name: all, on_node: all, to: [hook] } ]
            """);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        _host.Dispose();
        await _receiver.DisposeAsync();
    }

    private string Base => $"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}";

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? json = null, string contentType = "application/json",
        string? token = Token, string? origin = null)
    {
        using var request = new HttpRequestMessage(method, Base + path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, contentType);
        }
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private async Task<ServeProcess> StartWithADeadLetterAsync()
    {
        var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01", change: Fixtures.Named("web-1"))).ExitCode);
        await _host.WaitForOutboxAsync("state = 2", 1, TimeSpan.FromSeconds(30));
        return serve;
    }

    private static JsonElement Letters(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("dead_letters").Clone();
    }

    [Fact]
    public async Task A_dead_letter_is_listed_then_replayed_and_delivered_with_the_same_event_id()
    {
        using var serve = await StartWithADeadLetterAsync();
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/dead-letters");
        Assert.Equal(HttpStatusCode.OK, status);
        var letter = Assert.Single(Letters(body).EnumerateArray());
        Assert.Equal("hook", letter.GetProperty("sink").GetString());
        Assert.Equal("web-1", letter.GetProperty("subject").GetString());
        Assert.Contains("500", letter.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Empty(Letters((await SendAsync(HttpMethod.Get, "/api/dead-letters?sink=other")).Body).EnumerateArray());

        // As `status --json` says it: the outbox's health, and the daemon's counts since it started.
        var sink = await SinkAsync();
        var since = sink.GetProperty("since_daemon_start");
        Assert.Equal(("dead letters", 1, 1, 0, 0), (sink.GetProperty("health").GetString(), sink.GetProperty("dead").GetInt64(),
            since.GetProperty("dead_lettered").GetInt64(), since.GetProperty("delivered").GetInt64(), sink.GetProperty("pending").GetInt64()));
        Assert.NotEqual(JsonValueKind.Null, since.GetProperty("failing_since").ValueKind);
        Assert.Contains("500", sink.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Contains("500", since.GetProperty("last_error").GetString(), StringComparison.Ordinal);

        _receiver.AnswerAll(failing: false);
        var replay = await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", $"{{\"ids\": [{letter.GetProperty("id").GetInt64()}]}}", origin: Base);
        Assert.Equal((HttpStatusCode.OK, "{\"replayed\":1}"), replay);
        await _host.WaitForOutboxAsync("state = 1", 1, TimeSpan.FromSeconds(30));
        var ids = _receiver.Accepted.Select(r =>
        {
            using var delivered = JsonDocument.Parse(r.Body);
            return delivered.RootElement.GetProperty("id").GetString();
        }).ToList();
        Assert.Equal(letter.GetProperty("event_id").GetString(), Assert.Single(ids));
        Assert.Empty(Letters((await SendAsync(HttpMethod.Get, "/api/dead-letters")).Body).EnumerateArray());
        sink = await SinkAsync();
        since = sink.GetProperty("since_daemon_start");
        Assert.Equal(("ok", 0, 1), (sink.GetProperty("health").GetString(), sink.GetProperty("dead").GetInt64(), since.GetProperty("delivered").GetInt64()));
        Assert.NotEqual(JsonValueKind.Null, since.GetProperty("last_delivered").ValueKind);
        Assert.Equal(JsonValueKind.Null, since.GetProperty("failing_since").ValueKind);
    }

    /// <summary>The one sink as /api/sinks shows it.</summary>
    private async Task<JsonElement> SinkAsync()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/sinks");
        Assert.Equal(HttpStatusCode.OK, status);
        using var document = JsonDocument.Parse(body);
        var sink = Assert.Single(document.RootElement.GetProperty("sinks").EnumerateArray());
        Assert.Equal("hook", sink.GetProperty("name").GetString());
        return sink.Clone();
    }

    [Fact]
    public async Task A_replay_another_site_or_a_form_could_send_is_refused_and_nothing_is_replayed()
    {
        using var serve = await StartWithADeadLetterAsync();
        var refused = new[]
        {
            await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", "{\"all\": true}", origin: "http://evil.example"),
            await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", "all=true", contentType: "application/x-www-form-urlencoded"),
            await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", "{\"all\": true}", contentType: "text/plain"),
            await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", "{\"all\": true}", token: null),
            await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", "{}"),
            await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", "{\"ids\": [1], \"all\": true}"),
            await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", "not json"),
            await SendAsync(HttpMethod.Get, "/api/dead-letters/replay"),
        };
        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.Unauthorized,
            HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.MethodNotAllowed], refused.Select(r => r.Status));
        Assert.Equal(1, _host.Count("state = 2"));
        Assert.Equal((HttpStatusCode.OK, "{\"replayed\":1}"), await SendAsync(HttpMethod.Post, "/api/dead-letters/replay", "{\"all\": true}"));
    }
}
