using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Web;

/// <summary>
/// `hookrelay serve` as a real process with its web listener: what /metrics says after real hook
/// runs (queued, denied by a gate, nothing to send) and real deliveries (one sink that takes
/// everything, one that is down), and who may ask.
/// </summary>
public sealed class MetricsEndpointTests : IDisposable
{
    private const string Token = "s3cret-metrics-token";
    private readonly HookRelayHost _host = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly int _port = ServiceProcesses.FreeLoopbackPort();

    public void Dispose()
    {
        _http.Dispose();
        _host.Dispose();
    }

    private string Url => $"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}/metrics";

    /// <summary>A file sink that takes everything, a webhook nobody answers (one attempt, then a dead letter), a naming gate.</summary>
    private void Configure(string web)
    {
        var tokenFile = Path.Combine(_host.Dir.Path, "web-token");
        File.WriteAllText(tokenFile, Token + "\n");
        var deadPort = ServiceProcesses.FreeLoopbackPort();
        _host.Configure($$"""
            {{web.Replace("TOKENFILE", tokenFile, StringComparison.Ordinal)}}
            sinks:
              dump: { type: file, path: {{Path.Combine(_host.Dir.Path, "events.jsonl")}} }
              down: { type: webhook, url: "http://127.0.0.1:{{deadPort}}/", max_attempts: 1, timeout: 2s }
            routes:
              - { name: migrations, on_node: all, matchers: ['hook="instance-migrate"'], to: [dump, down] }
            gates:
              - name: naming
                matchers: ['hook="instance-add"']
                deny_unless: { instance_name: '^[a-z0-9.-]+$' }
                on_error: deny
            """);
    }

    private async Task<string> ScrapeAsync(string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Metrics_count_hook_runs_gate_verdicts_deliveries_and_dead_letters()
    {
        Configure($"web: {{ listen: \"127.0.0.1:{_port}\", token: \"${{file:TOKENFILE}}\" }}");
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01")).ExitCode);
        }
        var denied = await _host.RunHookAsync("instance-add-pre-node1-01", change: env => env["GANETI_INSTANCE_NAME"] = "Bad_Name");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Equal(0, (await _host.RunHookAsync("instance-add-pre-node1-01")).ExitCode);
        Assert.Equal(0, (await _host.RunHookAsync("instance-start-post-node1-01")).ExitCode);
        await _host.WaitForOutboxAsync("state != 0", 6, TimeSpan.FromSeconds(30));

        var metrics = await EventuallyAsync(m => Value(m, "hookrelay_dead_letters", ("sink", "down")) == 3);
        Assert.Equal(3, Value(metrics, "hookrelay_deliveries_total", ("sink", "dump"), ("outcome", "delivered")));
        Assert.Equal(3, Value(metrics, "hookrelay_deliveries_total", ("sink", "down"), ("outcome", "dead_lettered")));
        Assert.Equal(0, Value(metrics, "hookrelay_deliveries_total", ("sink", "dump"), ("outcome", "failed")));
        Assert.Equal(1, Value(metrics, "hookrelay_sink_failing", ("sink", "down")));
        Assert.Equal(0, Value(metrics, "hookrelay_sink_failing", ("sink", "dump")));
        Assert.Equal(0, Value(metrics, "hookrelay_queue_depth", ("sink", "dump")));
        Assert.Equal(3, Value(metrics, "hookrelay_hook_runs_total", ("hook", "instance-migrate"), ("phase", "post"), ("node", "node1.lab.example"), ("outcome", "queued")));
        Assert.Equal(1, Value(metrics, "hookrelay_hook_runs_total", ("hook", "instance-add"), ("phase", "pre"), ("outcome", "denied")));
        Assert.Equal(1, Value(metrics, "hookrelay_hook_runs_total", ("hook", "instance-add"), ("phase", "pre"), ("outcome", "nothing")));
        Assert.Equal(1, Value(metrics, "hookrelay_hook_runs_total", ("hook", "instance-start"), ("outcome", "nothing")));
        Assert.Equal(1, Value(metrics, "hookrelay_gate_verdicts_total", ("gate", "naming"), ("verdict", "deny")));
        Assert.Equal(1, Value(metrics, "hookrelay_gate_verdicts_total", ("gate", "naming"), ("verdict", "allow")));
        Assert.Equal(3, Value(metrics, "hookrelay_hook_duration_seconds_count", ("hook", "instance-migrate"), ("phase", "post")));
        Assert.InRange(Value(metrics, "hookrelay_hook_duration_seconds_sum", ("hook", "instance-migrate"), ("phase", "post")), 0.0001, 30);
        Assert.Equal(1, Value(metrics, "hookrelay_info"));
        Assert.DoesNotContain(Token, metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, serve.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_without_the_token_or_with_a_wrong_one_is_refused()
    {
        Configure($"web: {{ listen: \"127.0.0.1:{_port}\", token: \"${{file:TOKENFILE}}\" }}");
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        await EventuallyAsync(m => m.Contains("hookrelay_info", StringComparison.Ordinal));
        foreach (var wrong in new string?[] { null, "wrong", Token + "x", Token[..^1] })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Url);
            if (wrong is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", wrong);
            }
            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain("hookrelay_", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_token_on_loopback_anyone_on_the_node_may_scrape_and_only_get_is_served()
    {
        Configure($"web: {{ listen: \"127.0.0.1:{_port}\" }}");
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        Assert.Contains("hookrelay_info", await EventuallyAsync(m => m.Contains("hookrelay_info", StringComparison.Ordinal), token: null), StringComparison.Ordinal);
        using var post = await _http.PostAsync(Url, new StringContent(""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var elsewhere = await _http.GetAsync(Url.Replace("/metrics", "/nope", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
    }

    [Fact]
    public async Task A_taken_port_is_said_and_delivery_goes_on_without_the_listener()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, _port);
        taken.Start();
        Configure($"web: {{ listen: \"127.0.0.1:{_port}\" }}");
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01")).ExitCode);
        await _host.WaitForOutboxAsync("state != 0 AND sink = 'dump'", 1, TimeSpan.FromSeconds(30));
        Assert.Contains($"web listener on 127.0.0.1:{_port} not started", serve.Output, StringComparison.Ordinal);
        Assert.False(serve.HasExited);
    }

    private async Task<string> EventuallyAsync(Func<string, bool> done, string? token = Token)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await ScrapeAsync(token);
                if (done(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"/metrics never showed what was expected; last answer:\n{last}");
        return last;
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    internal static double Value(string exposition, string name, params (string Label, string Value)[] labels)
    {
        var samples = exposition.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(l => line.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            .ToList();
        Assert.True(samples.Count == 1, $"expected one sample of {name} with {string.Join(",", labels)}, found {samples.Count}:\n{exposition}");
        return double.Parse(samples[0][(samples[0].LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
