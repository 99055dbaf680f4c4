using System.Text.Json;
using HookRelay.Cli;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

/// <summary>
/// Chat and Grafana through the published binaries: hooks run as Ganeti runs them, the daemon
/// delivers, a real HTTP server on loopback receives; and `test-send`.
/// </summary>
public sealed class NotificationProcessTests : IAsyncLifetime
{
    private readonly HookRelayHost _host = new();
    private TestReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _receiver.AnswerBody = (i, r) => r.Path.EndsWith("/api/annotations", StringComparison.Ordinal) ? $"{{\"id\":{i + 1}}}" : "ok";
    }

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _host.Dispose();
    }

    private string Base => _receiver.Url.Replace("/hook", "", StringComparison.Ordinal);

    private void Configure(string slackExtra = "") => _host.Configure($$$"""
        sinks:
          slack: { type: slack, url: "{{{Base}}}/services/T0/B0/x", backoff: { initial: 100ms }{{{slackExtra}}} }
          grafana: { type: grafana, url: "{{{Base}}}", token: glsa_t, tags: ["{{ instance.name }}", ganeti-live-migration] }
        routes:
          - name: chat
            on_node: master
            matchers: ['hook=~"instance-(migrate|reboot)"', 'phase="post"']
            to: [slack]
            text: "*{{ instance.name }} migrated live* from {{ migrate.old_primary }} to {{ migrate.new_primary }}"
          - { name: timeline, on_node: master, matchers: ['hook="instance-migrate"', 'phase="post"'], to: [grafana] }
        """);

    [Fact]
    public async Task Grafana_region_spans_the_pre_run_to_the_post_run_of_one_migration()
    {
        Configure();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await _host.RunHookAsync("instance-migrate-pre-node1-01");
        await Task.Delay(400, TestContext.Current.CancellationToken);
        await _host.RunHookAsync("instance-migrate-post-node1-01");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await _host.DrainAsync();
        var annotation = JsonDocument.Parse(Assert.Single(_receiver.Accepted, r => r.Path == "/api/annotations").Body).RootElement;
        var start = annotation.GetProperty("time").GetInt64();
        var end = annotation.GetProperty("timeEnd").GetInt64();
        Assert.InRange(start, before, after);
        Assert.InRange(end - start, 400, after - before);
        Assert.Equal(["web-1.lab.example", "ganeti-live-migration"], annotation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Matches(@"live-migrated node1\.lab\.example → node2\.lab\.example on cluster cluster\.lab\.example \((\d+ ms|\d+(\.\d)? s)\)$", annotation.GetProperty("text").GetString());
        var slack = JsonDocument.Parse(Assert.Single(_receiver.Accepted, r => r.Path.StartsWith("/services/", StringComparison.Ordinal)).Body).RootElement;
        Assert.Equal("*web-1.lab.example migrated live* from node1.lab.example to node2.lab.example", slack.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Slack_waits_as_long_as_its_429_asks_and_loses_nothing()
    {
        Configure();
        _receiver.Behaviour = (i, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>(i == 0
            ? (429, new Dictionary<string, string> { ["Retry-After"] = "6" })
            : (200, null));
        foreach (var instance in new[] { "a-1", "b-1", "c-1" })
        {
            await _host.RunHookAsync("instance-reboot-post-node1-01", change: env => env["GANETI_INSTANCE_NAME"] = instance);
        }
        await _host.DrainAsync();
        var slack = _receiver.All.Where(r => r.Path.StartsWith("/services/", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, slack.Count);
        Assert.Equal(429, slack[0].Status);
        // A bound load cannot break: the 429's arrival was stamped before the daemon heard the
        // answer and set the row's next attempt 6 s later, and the retry was stamped after it
        // arrived. 6 s, because at one message a second the other two alone would hold the retry
        // back 3 s. (Spacing between messages is the token bucket's, checked in SinkLaneTests.)
        var retry = Assert.Single(slack.Skip(1), r => r.Body.AsSpan().SequenceEqual(slack[0].Body));
        Assert.True(retry.At - slack[0].At >= TimeSpan.FromSeconds(5.99), $"retried {(retry.At - slack[0].At).TotalSeconds:0.00} s after a 429 asking for 6 s");
        Assert.Equal(0, _host.Count("state <> 1"));
    }

    [Fact]
    public async Task Test_send_delivers_a_marked_sample_and_says_so()
    {
        Configure();
        var run = await _host.CliAsync("test-send", "slack");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("delivered in", run.Stdout, StringComparison.Ordinal);
        var text = JsonDocument.Parse(Assert.Single(_receiver.Accepted).Body).RootElement.GetProperty("text").GetString();
        Assert.Equal($"{TestSendCommand.Marker}*web-1.lab.example migrated live* from node1.lab.example to node2.lab.example", text);
        Assert.False(File.Exists(Path.Combine(_host.StateDir, "outbox.db")), "test-send goes around the outbox");
    }

    [Fact]
    public async Task Test_sends_file_line_carries_the_test_attribute()
    {
        var file = Path.Combine(_host.Dir.Path, "events.jsonl");
        _host.Configure($$"""
            sinks: { out: { type: file, path: "{{file}}" } }
            routes: [ { name: all, to: [out] } ]
            """);

        var run = await _host.CliAsync("test-send", "out");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var line = JsonDocument.Parse(Assert.Single(File.ReadAllLines(file)));
        Assert.Equal("true", line.RootElement.GetProperty("hookrelaytest").GetString());
    }

    [Fact]
    public async Task Test_send_reports_a_refusal_and_an_unknown_sink()
    {
        Configure();
        _receiver.Behaviour = (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((403, null));
        _receiver.AnswerBody = (_, _) => "invalid_token";
        var refused = await _host.CliAsync("test-send", "slack", "--hook", "instance-reboot");
        Assert.Equal(ExitCodes.Failed, refused.ExitCode);
        Assert.Contains("would give up (dead letter)", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("invalid_token", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("/services/T0", refused.Stderr + refused.Stdout, StringComparison.Ordinal);
        var unknown = await _host.CliAsync("test-send", "pager");
        Assert.Equal(ExitCodes.Failed, unknown.ExitCode);
        Assert.Contains("no sink 'pager'", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("grafana, slack", unknown.Stderr, StringComparison.Ordinal);
    }
}
