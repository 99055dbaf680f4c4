using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Delivery;

/// <summary>
/// `hookrelay serve` as a real process, hooks as real processes, a real HTTP receiver: failures,
/// rate limits, outages, signals. Nothing may be lost and order per instance must hold.
/// </summary>
public sealed class DaemonProcessTests : IAsyncLifetime
{
    private readonly HookRelayHost _host = new();
    private TestReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _host.Dispose();
        await _receiver.DisposeAsync();
    }

    private void Configure(string sinkExtra = "", string extra = "") => _host.Configure($$"""
        {{extra}}
        sinks:
          hook: { type: webhook, url: "{{_receiver.Url}}", timeout: 5s, backoff: { initial: 100ms, max: 400ms }{{sinkExtra}} }
        routes: [ { name: all, on_node: all, to: [hook] } ]
        """);

    /// <summary>Runs the hook for one event of one instance, numbered so order can be checked.</summary>
    private async Task Hook(string instance, int seq)
    {
        var run = await _host.RunHookAsync("instance-migrate-post-node1-01", change: env =>
        {
            env["GANETI_INSTANCE_NAME"] = instance;
            env["GANETI_TEST_SEQ"] = seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        Assert.True(run.ExitCode == 0 && run.Stderr.Length == 0, $"hook: exit {run.ExitCode} {run.Stderr}");
    }

    private static (string Id, string Instance, int Seq) Parse(ReceivedRequest request)
    {
        using var doc = JsonDocument.Parse(request.Body);
        var data = doc.RootElement.GetProperty("data");
        return (doc.RootElement.GetProperty("id").GetString()!, data.GetProperty("instance").GetProperty("name").GetString()!,
            int.Parse(data.GetProperty("env").GetProperty("GANETI_TEST_SEQ").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    private List<(string Id, string Instance, int Seq)> Delivered() => [.. _receiver.Accepted.Select(Parse)];

    private static void AssertOrderedPerInstance(List<(string Id, string Instance, int Seq)> delivered)
    {
        foreach (var instance in delivered.GroupBy(d => d.Instance))
        {
            // First arrival of each event, in arrival order: a redelivery may repeat, never overtake.
            var firsts = instance.DistinctBy(d => d.Id).Select(d => d.Seq).ToList();
            Assert.Equal(firsts.Order(), firsts);
        }
    }

    [Fact]
    public async Task Every_event_arrives_in_order_per_instance_through_errors_429_and_an_outage()
    {
        _receiver.Behaviour = (index, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>(index switch
        {
            < 4 => (500, null),
            < 6 => (429, new Dictionary<string, string> { ["Retry-After"] = "1" }),
            _ => (200, null),
        });
        Configure();
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        var seq = 0;
        for (var round = 0; round < 3; round++)
        {
            foreach (var instance in new[] { "web-1", "web-2", "db-1" })
            {
                await Hook(instance, seq++);
            }
        }
        await _receiver.WaitForAsync(r => r.Accepted.Count >= 3, TimeSpan.FromSeconds(30), "first deliveries");

        await _receiver.DownAsync();
        for (var round = 0; round < 3; round++)
        {
            foreach (var instance in new[] { "web-1", "web-2", "db-1" })
            {
                await Hook(instance, seq++);
            }
        }
        // Bring it back only once the daemon has met the outage: a row queued during it has failed an attempt.
        var outageStart = seq - 9;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_host.Count("state = 0 AND attempts > 0 AND last_error IS NOT NULL") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no delivery of the {seq - outageStart} events queued during the outage was attempted within 30 s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        await _receiver.UpAsync();

        await _receiver.WaitForAsync(r => r.Accepted.Select(Parse).Select(d => d.Id).Distinct().Count() == seq, TimeSpan.FromSeconds(60), "every event");
        var delivered = Delivered();
        Assert.Equal(Enumerable.Range(0, seq), delivered.Select(d => d.Seq).Distinct().Order());
        AssertOrderedPerInstance(delivered);
        await _host.WaitForOutboxAsync("state = 0", 0, TimeSpan.FromSeconds(10));
        Assert.Equal(seq, _host.Count("state = 1"));
        Assert.Contains(_receiver.All, r => r.Status == 429);
    }

    [Fact]
    public async Task Sigkill_mid_batch_loses_nothing_and_a_redelivery_carries_the_same_id()
    {
        // The 16th request is held until the daemon is dead, so at the kill a delivery is provably
        // under way and the rows behind it on its key are not yet sent, however fast or slow the machine.
        const int held = 15;
        var heldArrived = new TaskCompletionSource();
        var killed = new TaskCompletionSource();
        _receiver.Behaviour = async (index, _) =>
        {
            if (index == held)
            {
                heldArrived.TrySetResult();
                await killed.Task;
                return (503, null);
            }
            await Task.Delay(20);
            return (200, null);
        };
        Configure();
        const int events = 60;
        for (var i = 0; i < events; i++)
        {
            await Hook($"vm-{i % 6}", i);
        }
        var first = _host.StartServe();
        try
        {
            await heldArrived.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            first.KillHard();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            killed.TrySetResult();
        }
        Assert.True(_receiver.Accepted.Count < events, "every event was accepted before the kill");
        Assert.True(_host.Count("state = 0 AND lease_owner IS NOT NULL") > 0, "no lease was left by the killed daemon");

        using var second = _host.StartServe();
        await _receiver.WaitForAsync(r => r.Accepted.Select(Parse).Select(d => d.Id).Distinct().Count() == events, TimeSpan.FromSeconds(60), "every event after restart");
        await _host.WaitForOutboxAsync("state = 0", 0, TimeSpan.FromSeconds(10));

        var delivered = Delivered();
        Assert.Equal(Enumerable.Range(0, events), delivered.Select(d => d.Seq).Distinct().Order());
        // Any duplicate is a row that was under way at the kill: same event id, same content.
        foreach (var copies in delivered.GroupBy(d => d.Id).Where(g => g.Count() > 1))
        {
            Assert.Single(copies.Select(c => c.Seq).Distinct());
        }
        AssertOrderedPerInstance(delivered);
        await second.WaitForOutputAsync("delivered again");
    }

    [Fact]
    public async Task Sigterm_lets_a_delivery_under_way_finish_and_records_it()
    {
        var arrived = new TaskCompletionSource();
        _receiver.Behaviour = async (_, _) =>
        {
            arrived.TrySetResult();
            await Task.Delay(1500);
            return (200, null);
        };
        Configure();
        await Hook("web-1", 0);
        using var serve = _host.StartServe();
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        serve.Signal("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Single(_receiver.Accepted);
        Assert.Equal(1, _host.Count("state = 1"));
        Assert.Equal(0, _host.Count("state = 0"));
    }

    [Fact]
    public async Task A_running_daemon_is_woken_by_the_hook_and_delivers()
    {
        Configure();
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        await Hook("web-1", 0);
        await _receiver.WaitForAsync(r => r.Accepted.Count == 1, TimeSpan.FromSeconds(20), "the event");
        var status = await _host.CliAsync("status", "--json");
        using var doc = JsonDocument.Parse(status.Stdout);
        Assert.True(doc.RootElement.GetProperty("daemon").GetProperty("running").GetBoolean());
        Assert.StartsWith("serve ", doc.RootElement.GetProperty("daemon").GetProperty("holder").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Polls `status --json` until <paramref name="done"/> holds for the first sink, or fails showing the last answer.</summary>
    private async Task<JsonElement> StatusUntil(Func<JsonElement, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var json = JsonDocument.Parse((await _host.CliAsync("status", "--json")).Stdout).RootElement.Clone();
            if (done(json.GetProperty("sinks")[0]))
            {
                return json;
            }
            Assert.True(DateTime.UtcNow < deadline, $"status never showed {what}: {json}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Status_shows_what_the_running_daemon_delivered_since_it_started()
    {
        Configure();
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        await Hook("web-1", 0);
        await Hook("web-2", 1);
        await _receiver.WaitForAsync(r => r.Accepted.Count == 2, TimeSpan.FromSeconds(20), "both events");

        var status = await StatusUntil(sink => sink.GetProperty("since_daemon_start") is { ValueKind: JsonValueKind.Object } daemon
            && daemon.GetProperty("delivered").GetInt64() == 2, "2 delivered");

        var sink = status.GetProperty("sinks")[0].GetProperty("since_daemon_start");
        Assert.Equal(0, sink.GetProperty("failed_attempts").GetInt64());
        Assert.Equal(JsonValueKind.String, sink.GetProperty("last_delivered").ValueKind);
        Assert.Equal(JsonValueKind.String, status.GetProperty("daemon").GetProperty("started").ValueKind);
        Assert.Equal(2, status.GetProperty("queue").GetProperty("delivered_kept").GetInt64());
        var table = (await _host.CliAsync("status")).Stdout;
        Assert.Matches(@"\nhook\s+ok\s+0\s+0\s+0\s+2\s+\d{4}-", table);
        Assert.Contains("since the daemon started", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_a_sink_paused_by_a_429_with_how_long()
    {
        _receiver.Behaviour = (index, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>(index == 0
            ? (429, new Dictionary<string, string> { ["Retry-After"] = "60" })
            : (200, null));
        Configure();
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        await Hook("web-1", 0);

        var status = await StatusUntil(sink => sink.GetProperty("health").GetString() == "paused", "the sink paused");

        var sink = status.GetProperty("sinks")[0];
        Assert.Equal(1, sink.GetProperty("since_daemon_start").GetProperty("failed_attempts").GetInt64());
        Assert.Equal(1, sink.GetProperty("pending").GetInt64());
        Assert.True(DateTimeOffset.Parse(sink.GetProperty("since_daemon_start").GetProperty("paused_until").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            > DateTimeOffset.UtcNow.AddSeconds(30));
    }

    [Fact]
    public async Task Without_a_daemon_status_has_no_daemon_counts_and_says_who_counts_them()
    {
        Configure();
        await Hook("web-1", 0);
        await _host.DrainAsync();

        var status = JsonDocument.Parse((await _host.CliAsync("status", "--json")).Stdout).RootElement;

        Assert.Equal(JsonValueKind.Null, status.GetProperty("sinks")[0].GetProperty("since_daemon_start").ValueKind);
        Assert.Equal(1, status.GetProperty("queue").GetProperty("delivered_kept").GetInt64());
        Assert.Contains("counted by a running daemon", (await _host.CliAsync("status")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_serve_on_the_same_outbox_refuses_to_start()
    {
        Configure();
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        var second = await _host.CliAsync("serve");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("another 'hookrelay serve' is running", second.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rate_limited_sink_delivers_every_event_one_key_at_a_time_in_order()
    {
        // How fast the bucket lets attempts out is checked on a fake clock (SinkLaneTests): arrival
        // times at a receiver in this busy process could bunch up and prove nothing either way.
        Configure(sinkExtra: ", rate_per_s: 4");
        for (var i = 0; i < 8; i++)
        {
            await Hook($"vm-{i % 2}", i);
        }
        await _host.DrainAsync();
        var delivered = Delivered();
        Assert.Equal(Enumerable.Range(0, 8), delivered.Select(d => d.Seq).Order());
        AssertOrderedPerInstance(delivered);
        Assert.Equal(8, _host.Count("state = 1"));
    }

    [Fact]
    public async Task Systemd_hears_ready_watchdog_and_stopping()
    {
        using var notify = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        var path = Path.Combine(_host.Dir.Path, "notify.sock");
        notify.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        Configure();
        using var serve = _host.StartServe(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "300000" });
        var heard = new List<string>();
        var buffer = new byte[256];
        async Task Until(string state)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!heard.Contains(state))
            {
                var n = await notify.ReceiveAsync(buffer, cancel.Token);
                heard.Add(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
            }
        }
        await Until("READY=1");
        await Until("WATCHDOG=1");
        serve.Signal("TERM");
        await Until("STOPPING=1");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(heard.IndexOf("READY=1") < heard.IndexOf("STOPPING=1"));
    }

    [Fact]
    public async Task A_sink_that_blocks_in_the_kernel_is_abandoned_and_the_drainer_still_exits()
    {
        var fifo = Path.Combine(_host.Dir.Path, "blocked.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        // Opening a FIFO that nobody reads blocks forever and cannot be cancelled.
        _host.Configure($$"""
            sinks: { stuck: { type: file, path: "{{fifo}}", timeout: 500ms, max_attempts: 2, backoff: { initial: 100ms } } }
            routes: [ { name: all, on_node: all, to: [stuck] } ]
            """);
        await Hook("web-1", 0);
        var drain = await _host.DrainAsync();
        Assert.True(drain.Elapsed < TimeSpan.FromSeconds(20), drain.Elapsed.ToString());
        Assert.Equal(1, _host.Count("state = 2 AND last_error LIKE '%did not finish within 1 s%'"));
    }

    [Fact]
    public async Task A_daemon_finding_a_damaged_outbox_moves_it_aside_and_runs_on()
    {
        Configure();
        Directory.CreateDirectory(_host.StateDir);
        await File.WriteAllTextAsync(Path.Combine(_host.StateDir, "outbox.db"), new string('x', 8192), TestContext.Current.CancellationToken);
        var drain = await _host.DrainAsync();
        Assert.Contains("was not a usable database", drain.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_host.StateDir, "outbox.db.corrupt-*"));
        await Hook("web-1", 0);
        await _host.DrainAsync();
        Assert.Single(_receiver.Accepted);
    }

    [Fact]
    public async Task A_hook_finding_the_outbox_damaged_under_a_running_daemon_has_the_daemon_let_go_and_loses_no_event()
    {
        Configure();
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        await Hook("web-1", 0);
        await _receiver.WaitForAsync(r => r.Accepted.Count == 1, TimeSpan.FromSeconds(20), "the first event");
        var outbox = Path.Combine(_host.StateDir, "outbox.db");
        var marker = outbox + ".damaged";
        Task<HookRun> hook;
        // Stopped, the daemon cannot stumble on the damage itself: only the hook finds it.
        serve.Signal("STOP");
        try
        {
            using (var connection = HookRelay.Outbox.OutboxDatabase.Open(_host.StateDir, OutboxTestDir.HookOptions))
            using (var checkpoint = connection.CreateCommand())
            {
                // Everything into the main file, so the damage below is what a new reader sees.
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                checkpoint.ExecuteNonQuery();
            }
            var garbage = new byte[new FileInfo(outbox).Length];
            Array.Fill(garbage, (byte)'x');
            await File.WriteAllBytesAsync(outbox, garbage, TestContext.Current.CancellationToken);

            hook = _host.RunHookAsync("instance-migrate-post-node1-01", change: env =>
            {
                env["GANETI_INSTANCE_NAME"] = "web-1";
                env["GANETI_TEST_SEQ"] = "1";
            });
            var deadline = DateTime.UtcNow.AddSeconds(8);
            while (!File.Exists(marker) && DateTime.UtcNow < deadline && !hook.IsCompleted)
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
            Assert.True(File.Exists(marker), "the hook left no damage report for the daemon");
            Assert.Empty(Directory.GetFiles(_host.StateDir, "outbox.db.corrupt-*"));
        }
        finally
        {
            serve.Signal("CONT");
        }

        // The hook waited for the daemon to let go, then moved the file aside itself, and says so in the job's output.
        var run = await hook;
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("was not a usable database", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT queued", run.Stderr, StringComparison.Ordinal);
        await _receiver.WaitForAsync(r => r.Accepted.Count == 2, TimeSpan.FromSeconds(20), "the event queued after the damage");
        await serve.WaitForOutputAsync("letting go of it so it can be moved aside");
        Assert.Single(Directory.GetFiles(_host.StateDir, "outbox.db.corrupt-*"), f => f.EndsWith('Z'));
        Assert.False(File.Exists(marker));
        await Hook("web-1", 2);
        await _receiver.WaitForAsync(r => r.Accepted.Count == 3, TimeSpan.FromSeconds(20), "an event after the repair");
        Assert.Equal([0, 1, 2], Delivered().Select(d => d.Seq));
        Assert.False(serve.HasExited);
    }

    [Fact]
    public async Task An_event_another_producer_queued_is_delivered_as_that_producer_rendered_it()
    {
        Configure();
        var document = System.Text.Encoding.UTF8.GetBytes(
            """{"specversion":"1.0","id":"job-4711-success","source":"ganeti://cluster.lab.example","type":"org.ganeti.job.success","subject":"4711","data":{"job":4711}}""");
        HookRelay.Outbox.OutboxWriter.Enqueue(_host.StateDir, OutboxTestDir.HookOptions,
            HookRelay.Outbox.OutboxEnvelope.ForCloudEvent(document, "job-4711", DateTimeOffset.UtcNow), [new HookRelay.Rules.PlannedDelivery("all", "hook")]);

        await _host.DrainAsync();

        var received = Assert.Single(_receiver.Accepted);
        Assert.Equal(document, received.Body);
        Assert.Equal("application/cloudevents+json; charset=utf-8", received.Headers["content-type"]);
    }

    [Fact]
    public async Task Sighup_reads_the_configuration_again_and_refuses_a_broken_one()
    {
        string FileSinkConfig(string file) => $$"""
            sinks: { out: { type: file, path: "{{_host.Dir.Path}}/{{file}}" } }
            routes: [ { name: all, on_node: all, to: [out] } ]
            """;
        _host.Configure(FileSinkConfig("first.jsonl"));
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        await Hook("web-1", 0);
        await _host.WaitForOutboxAsync("state = 1", 1, TimeSpan.FromSeconds(20));

        _host.Configure(FileSinkConfig("second.jsonl"));
        serve.Signal("HUP");
        await serve.WaitForOutputAsync("configuration reloaded");
        await Hook("web-1", 1);
        await _host.WaitForOutboxAsync("state = 1", 2, TimeSpan.FromSeconds(20));
        Assert.Single(File.ReadAllLines(Path.Combine(_host.Dir.Path, "first.jsonl")));
        Assert.Single(File.ReadAllLines(Path.Combine(_host.Dir.Path, "second.jsonl")));

        // The hooks keep a good copy; only the daemon's file breaks.
        var hookConfig = _host.Dir.File("hook.yaml", await File.ReadAllTextAsync(_host.ConfigPath, TestContext.Current.CancellationToken));
        await File.WriteAllTextAsync(_host.ConfigPath, "routes: [ { name: x, to: [nowhere] } ]\n", TestContext.Current.CancellationToken);
        serve.Signal("HUP");
        await serve.WaitForOutputAsync("reload refused");
        Assert.False(serve.HasExited);
        var run = await _host.RunHookAsync("instance-migrate-post-node1-01", extraEnv: new Dictionary<string, string> { ["HOOKRELAY_CONFIG"] = hookConfig });
        Assert.Equal(0, run.ExitCode);
        await _host.WaitForOutboxAsync("state = 1", 3, TimeSpan.FromSeconds(20));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_host.Dir.Path, "second.jsonl")).Length);
    }

    [Fact]
    public async Task A_sink_that_cannot_be_built_stops_only_itself_says_so_in_one_line_and_dead_letters_by_its_policy()
    {
        // content_type: json is not a media type; serve used to die on it with a stack trace,
        // and later kept its rows pending forever.
        _host.Configure($$$"""
            sinks:
              broken: { type: webhook, url: "{{{_receiver.Url}}}", body: '{"hook": "{{ hook }}"}', content_type: json, max_attempts: 1 }
              out: { type: file, path: "{{{_host.Dir.Path}}}/out.jsonl" }
            routes: [ { name: all, on_node: all, to: [broken, out] } ]
            """);
        await Hook("web-1", 0);
        var drain = await _host.DrainAsync();
        Assert.Single(File.ReadAllLines(Path.Combine(_host.Dir.Path, "out.jsonl")));
        Assert.Contains("sink 'broken' cannot be used; its events are retried and then dead-lettered by its policy until the configuration is fixed: sink 'broken', content_type: 'json' is not a media type", drain.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", drain.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, _host.Count("sink = 'broken' AND state = 2 AND last_error LIKE 'the sink cannot be used: sink ''broken'', content_type: ''json'' is not a media type%'"));
        Assert.Empty(_receiver.All);
    }

    [Fact]
    public async Task Sighup_reloads_a_daemon_started_under_nohup()
    {
        // nohup leaves SIGHUP ignored, and ignored it stays across exec: a daemon that kept it so
        // would never hear a reload.
        Configure();
        using var serve = _host.StartServe(launcher: "/usr/bin/nohup");
        await serve.WaitReadyAsync(_host.StateDir);
        serve.Signal("HUP");
        await serve.WaitForOutputAsync("configuration reloaded");
        Assert.False(serve.HasExited);
    }
}
