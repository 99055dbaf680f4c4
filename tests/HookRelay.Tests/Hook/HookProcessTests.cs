using System.Text;
using System.Text.Json;
using HookRelay.Hook;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Hook;

/// <summary>
/// The published NativeAOT binary, run as ganeti-noded runs a hook. The hook only queues; the
/// events are read after the one-shot drainer delivered them to the file sink.
/// </summary>
public sealed class HookProcessTests : IDisposable
{
    private readonly HookRelayHost _host = new();

    public void Dispose() => _host.Dispose();

    private string Events => Path.Combine(_host.Dir.Path, "events.jsonl");

    private string WriteConfig(string onNode = "master", string matchers = "['hook=\"instance-migrate\"']", string? sinkPath = null, string extra = "") =>
        _host.Configure($"""
            {extra}
            sinks: {"{"} timeline: {"{"} type: file, path: "{sinkPath ?? Events}", max_attempts: 1 {"}"} {"}"}
            routes:
              - name: migrations
                on_node: {onNode}
                matchers: {matchers}
                to: [timeline]
            """);

    private Task<HookRun> Run(string capture, string node, string config, Action<SortedDictionary<string, string>>? change = null) =>
        _host.RunHookAsync(capture, node, change, new Dictionary<string, string> { ["HOOKRELAY_CONFIG"] = config });

    private List<JsonElement> WrittenEvents()
    {
        _host.DrainAsync().GetAwaiter().GetResult();
        return File.Exists(Events)
            ? [.. File.ReadAllLines(Events).Select(l => JsonDocument.Parse(l).RootElement.Clone())]
            : [];
    }

    [Fact]
    public async Task Post_hook_on_the_master_writes_one_cloudevent_and_exits_zero()
    {
        var run = await Run("instance-migrate-post-node1-01", "node1.lab.example", WriteConfig());
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Stdout + run.Stderr);
        var ev = Assert.Single(WrittenEvents());
        Assert.Equal("1.0", ev.GetProperty("specversion").GetString());
        Assert.Equal("org.ganeti.instance-migrate.post", ev.GetProperty("type").GetString());
        Assert.Equal("web-1.lab.example", ev.GetProperty("subject").GetString());
        Assert.Equal("ganeti://cluster.lab.example", ev.GetProperty("source").GetString());
        Assert.Matches("^[0-9a-f]{32}$", ev.GetProperty("opkey").GetString());
        var data = ev.GetProperty("data");
        Assert.Equal("node1.lab.example", data.GetProperty("migrate").GetProperty("old_primary").GetString());
        Assert.Equal("node2.lab.example", data.GetProperty("migrate").GetProperty("new_primary").GetString());
        Assert.True(data.GetProperty("migrate").GetProperty("live").GetBoolean());
        Assert.Equal([1280, 2048, 1024], data.GetProperty("instance").GetProperty("disks").EnumerateArray().Select(d => d.GetProperty("size_mib").GetInt32()));
        Assert.Equal(["master", "old_primary"], data.GetProperty("node").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_route_regex_that_backtracks_without_end_gives_up_at_its_bound_not_at_the_hook_budget()
    {
        // Every split of the 60 a's between the two branches would be tried before the "!" fails the match.
        var config = WriteConfig(matchers: "['instance=~\"(a|aa)+\"']", extra: "hook: { budget: 60s }");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var run = await Run("instance-migrate-post-node1-01", "node1.lab.example", config, env => env["GANETI_INSTANCE_NAME"] = new string('a', 60) + "!");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Contains("RegexMatchTimeoutException", run.Stderr, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the run took {watch.Elapsed}");
    }

    [Fact]
    public async Task Post_event_carries_the_start_and_duration_of_its_pre_run_on_the_same_node()
    {
        var config = WriteConfig(matchers: "['hook=\"instance-migrate\"', 'phase=\"post\"']");
        var before = DateTimeOffset.UtcNow;
        Assert.Equal(HookExitCodes.Ok, (await Run("instance-migrate-pre-node1-01", "node1.lab.example", config)).ExitCode);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        var timing = Assert.Single(WrittenEvents()).GetProperty("data").GetProperty("timing");
        var started = timing.GetProperty("started_at").GetDateTimeOffset();
        Assert.InRange(started, before, before.AddSeconds(10));
        Assert.InRange(timing.GetProperty("duration_ms").GetInt64(), 300, 10_000);
        Assert.Empty(Directory.GetFiles(Path.Combine(_host.StateDir, RunMarkers.DirectoryName)));
    }

    [Fact]
    public async Task Every_run_leaves_a_line_in_the_journal_saying_what_it_did()
    {
        var config = WriteConfig(matchers: "['hook=\"instance-migrate\"', 'phase=\"post\"']");
        await Run("instance-migrate-pre-node1-01", "node1.lab.example", config);
        await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        var lines = File.ReadAllLines(Path.Combine(_host.StateDir, RunJournal.FileName)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["pre", "post"], lines.Select(l => l.GetProperty("phase").GetString()));
        Assert.All(lines, l => Assert.Equal("instance-migrate", l.GetProperty("hook").GetString()));
        Assert.All(lines, l => Assert.Equal("node1.lab.example", l.GetProperty("node").GetString()));
        Assert.All(lines, l => Assert.InRange(l.GetProperty("ms").GetDouble(), 0.01, 10_000));
        Assert.Equal("nothing to send", lines[0].GetProperty("outcome").GetString());
        Assert.Equal("queued for timeline", lines[1].GetProperty("outcome").GetString());
        // The same in one word, for programs (the daemon's /metrics counts by it).
        Assert.Equal(["nothing", "queued"], lines.Select(l => l.GetProperty("result").GetString()));
        Assert.Equal(0, lines[1].GetProperty("exit").GetInt32());
    }

    [Fact]
    public async Task A_run_with_nothing_to_do_still_names_its_target_in_the_journal()
    {
        // No route, gate or action for instance-migrate: the run reads only a few of its variables.
        var config = WriteConfig(matchers: "['hook=\"group-add\"']");
        Assert.Equal(HookExitCodes.Ok, (await Run("instance-migrate-post-node1-01", "node1.lab.example", config)).ExitCode);
        var line = JsonDocument.Parse(File.ReadAllLines(Path.Combine(_host.StateDir, RunJournal.FileName)).Single()).RootElement;
        Assert.Equal("nothing", line.GetProperty("result").GetString());
        Assert.Equal("instance-migrate", line.GetProperty("hook").GetString());
        Assert.Equal("post", line.GetProperty("phase").GetString());
        Assert.Equal("web-1.lab.example", line.GetProperty("target").GetString());
    }

    [Fact]
    public async Task Status_shows_the_last_hook_runs_of_this_node()
    {
        var config = WriteConfig(matchers: "['hook=\"instance-migrate\"', 'phase=\"post\"']");
        await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        var status = await _host.CliAsync("status");
        Assert.Contains("last hook runs on this node", status.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"instance-migrate-post\s+web-1\.lab\.example\s+exit 0\s+[0-9.]+ ms  queued for timeline", status.Stdout);
        using var json = JsonDocument.Parse((await _host.CliAsync("status", "--json")).Stdout);
        var run = Assert.Single(json.RootElement.GetProperty("recent_hook_runs").EnumerateArray());
        Assert.Equal("post", run.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task The_journal_can_be_turned_off()
    {
        var config = WriteConfig(extra: "hook: { journal: false }");
        await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        Assert.False(File.Exists(Path.Combine(_host.StateDir, RunJournal.FileName)));
    }

    [Fact]
    public async Task A_run_nothing_applies_to_is_journaled_and_the_next_edit_of_the_file_is_never_missed()
    {
        var config = WriteConfig(matchers: "['hook=\"instance-add\"']");
        Assert.Equal(HookExitCodes.Ok, (await Run("instance-migrate-post-node1-01", "node1.lab.example", config)).ExitCode);
        var idle = JsonDocument.Parse(File.ReadAllLines(Path.Combine(_host.StateDir, RunJournal.FileName)).Single()).RootElement;
        Assert.Equal("nothing to send", idle.GetProperty("outcome").GetString());
        Assert.Equal("web-1.lab.example", idle.GetProperty("target").GetString());
        Assert.Equal("node1.lab.example", idle.GetProperty("node").GetString());
        // The next run, right after the edit, takes the migration.
        File.WriteAllText(config, File.ReadAllText(config).Replace("instance-add", "instance-migrate", StringComparison.Ordinal));
        await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        Assert.Equal("org.ganeti.instance-migrate.post", Assert.Single(WrittenEvents()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Post_event_without_a_pre_run_has_no_timing()
    {
        var config = WriteConfig(matchers: "['hook=\"instance-migrate\"', 'phase=\"post\"']");
        // The other node's pre run does not time this node's post run.
        await Run("instance-migrate-pre-node1-01", "node2.lab.example", config);
        await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        Assert.False(Assert.Single(WrittenEvents()).GetProperty("data").TryGetProperty("timing", out _));
    }

    [Fact]
    public async Task Master_only_route_writes_nothing_on_the_other_node()
    {
        var run = await Run("instance-migrate-post-node1-01", "node2.lab.example", WriteConfig());
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Empty(WrittenEvents());
    }

    [Fact]
    public async Task Both_nodes_copies_share_the_opkey_and_not_the_id()
    {
        var config = WriteConfig(onNode: "all");
        await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        await Run("instance-migrate-post-node2-01", "node2.lab.example", config);
        var events = WrittenEvents();
        Assert.Equal(2, events.Count);
        Assert.Equal(events[0].GetProperty("opkey").GetString(), events[1].GetProperty("opkey").GetString());
        Assert.NotEqual(events[0].GetProperty("id").GetString(), events[1].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Pre_hook_with_a_matching_route_exits_zero()
    {
        var run = await Run("instance-migrate-pre-node1-01", "node1.lab.example", WriteConfig());
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Equal("org.ganeti.instance-migrate.pre", Assert.Single(WrittenEvents()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Post_hook_exits_zero_and_silent_when_sink_is_down_and_the_event_waits()
    {
        var missingDir = Path.Combine(_host.Dir.Path, "no-such-dir");
        var config = WriteConfig(sinkPath: Path.Combine(missingDir, "events.jsonl"));
        var run = await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Stdout + run.Stderr);
        Assert.Equal(1, _host.Count("state = 0"));
    }

    [Fact]
    public async Task Without_a_daemon_the_hook_starts_a_drainer_that_delivers()
    {
        _host.Configure($"""
            sinks: {"{"} timeline: {"{"} type: file, path: "{Events}" {"}"} {"}"}
            routes: [ {"{"} name: all, on_node: all, to: [timeline] {"}"} ]
            """, keepWithoutDaemon: false);
        var run = await _host.RunHookAsync("instance-migrate-post-node1-01");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Stdout + run.Stderr);
        // Nobody but the detached drainer can deliver it.
        await _host.WaitForOutboxAsync("state = 1", 1, TimeSpan.FromSeconds(20));
        Assert.Single(File.ReadAllLines(Events));
    }

    [Theory]
    [InlineData("instance-migrate-post-node1-01")]
    [InlineData("instance-migrate-pre-node1-01")]
    public async Task Broken_config_is_one_line_naming_file_line_and_column_and_does_not_block(string capture)
    {
        var config = _host.Dir.File("hookrelay.yaml", "routes:\n  - name: x\n    to: [a\n");
        var run = await Run(capture, "node1.lab.example", config);
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{config}:4:1", line, StringComparison.Ordinal);
        Assert.Contains("configuration unusable", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_typo_in_the_file_keeps_the_gates_and_the_events_of_the_last_good_configuration()
    {
        var good = WriteConfig(matchers: "['hook=~\"instance-.*\"']", extra: """
            hook: { on_internal_error: deny }
            gates:
              - name: naming
                matchers: ['hook="instance-add"', 'phase="pre"']
                deny_unless: { instance_name: '^web-[0-9]+\.lab\.example$' }
                on_error: deny
            """);
        Assert.Equal(HookExitCodes.Ok, (await Run("instance-migrate-post-node1-01", "node1.lab.example", good)).ExitCode);
        // The operator edits the file and leaves a typo in it.
        File.WriteAllText(good, File.ReadAllText(good).Replace("deny_unless:", "deny_unles:", StringComparison.Ordinal));

        var denied = await Run("instance-add-pre-node1-01", "node1.lab.example", good, env => env["GANETI_INSTANCE_NAME"] = "Test_VM");
        Assert.Equal(HookExitCodes.Denied, denied.ExitCode);
        Assert.StartsWith("hookrelay: denied by gate 'naming':", denied.Stdout, StringComparison.Ordinal);
        var warning = Assert.Single(denied.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"configuration unusable: {good}:", warning, StringComparison.Ordinal);
        Assert.Contains("running with the last good one", warning, StringComparison.Ordinal);

        var post = await Run("instance-migrate-post-node1-01", "node1.lab.example", good);
        Assert.Equal(HookExitCodes.Ok, post.ExitCode);
        Assert.Contains("running with the last good one", post.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, WrittenEvents().Count(e => e.GetProperty("type").GetString() == "org.ganeti.instance-migrate.post"));
    }

    [Fact]
    public async Task Without_any_good_configuration_a_pre_hook_allows_and_says_so()
    {
        // on_internal_error: deny is in the file, but a file that does not load cannot say it.
        var config = _host.Dir.File("hookrelay.yaml", "hook: { on_internal_error: deny }\nroutes:\n  - name: x\n    to: [a\n");
        var run = await Run("instance-add-pre-node1-01", "node1.lab.example", config);
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Contains("configuration unusable and no good one was ever loaded on this node: nothing done, the operation is allowed", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hook_has_hookrelay_compile_a_new_file_and_runs_from_the_snapshot_it_keeps()
    {
        var config = WriteConfig();
        var snapshot = Path.Combine(_host.Dir.Path, ".hookrelay.yaml.good");
        Assert.False(File.Exists(snapshot));
        var run = await Run("instance-migrate-post-node1-01", "node1.lab.example", config);
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Equal("", run.Stdout + run.Stderr);
        Assert.True(File.Exists(snapshot));
        Assert.Single(WrittenEvents());
    }

    [Fact]
    public async Task A_hook_alone_with_a_file_never_compiled_allows_and_says_hookrelay_must_be_beside_it()
    {
        WriteConfig(extra: "hook: { on_internal_error: deny }");
        using var alone = new TempDir();
        var run = await _host.RunHookAsync("instance-add-pre-node1-01", hookBinary: _host.CopyHook(alone, withCli: false));
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Contains("no good one was ever loaded on this node: nothing done, the operation is allowed", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("and hookrelay, which compiles it for hookrelay-hook, is not installed beside it", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_the_file_stays_broken_the_hook_runs_with_the_last_good_one_without_asking_hookrelay_again()
    {
        var config = WriteConfig(matchers: "['hook=~\"instance-.*\"']");
        using var pair = new TempDir();
        var hook = _host.CopyHook(pair, withCli: true);
        Assert.Equal(HookExitCodes.Ok, (await _host.RunHookAsync("instance-migrate-post-node1-01", hookBinary: hook)).ExitCode);
        File.WriteAllText(config, File.ReadAllText(config).Replace("matchers:", "matcher:", StringComparison.Ordinal));
        // Only a failure found well after the file's last change proves that it is still the same file.
        await Task.Delay(TimeSpan.FromSeconds(1.2), TestContext.Current.CancellationToken);
        var first = await _host.RunHookAsync("instance-migrate-post-node1-01", hookBinary: hook);
        Assert.Contains("running with the last good one", first.Stderr, StringComparison.Ordinal);

        // Were hookrelay asked again, the hook would now say that it is missing.
        File.Delete(Path.Combine(pair.Path, Binaries.CliName));
        var second = await _host.RunHookAsync("instance-migrate-post-node1-01", hookBinary: hook);
        Assert.Equal(HookExitCodes.Ok, second.ExitCode);
        Assert.Equal(first.Stderr, second.Stderr);
        Assert.Contains("matcher", second.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, WrittenEvents().Count);
    }

    [Fact]
    public async Task After_an_upgrade_with_the_file_broken_the_hook_keeps_the_gates_of_the_older_last_good_copy()
    {
        var good = WriteConfig(matchers: "['hook=\"instance-add\"']", extra: """
            gates:
              - name: naming
                matchers: ['hook="instance-add"', 'phase="pre"']
                deny_unless: { instance_name: '^web-[0-9]+\.lab\.example$' }
                on_error: deny
            """);
        // What an older HookRelay kept beside the file: its bytes alone. Then the typo.
        _host.Dir.File(".hookrelay.yaml.good-0123456789abcdef", File.ReadAllText(good));
        File.WriteAllText(good, File.ReadAllText(good).Replace("deny_unless:", "deny_unles:", StringComparison.Ordinal));

        var run = await Run("instance-add-pre-node1-01", "node1.lab.example", good, env => env["GANETI_INSTANCE_NAME"] = "Test_VM");
        Assert.Equal(HookExitCodes.Denied, run.ExitCode);
        Assert.StartsWith("hookrelay: denied by gate 'naming':", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("running with the last good one", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_config_says_so_and_exits_zero()
    {
        var run = await Run("instance-migrate-post-node1-01", "node1.lab.example", Path.Combine(_host.Dir.Path, "absent.yaml"));
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Contains("absent.yaml", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_hooks_path_still_gives_a_generic_event()
    {
        var run = await Run("instance-migrate-post-node1-01", "node1.lab.example", WriteConfig(matchers: "[]"),
            env => env["GANETI_HOOKS_PATH"] = "made-up-path");
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Contains("made-up-path", Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        var ev = Assert.Single(WrittenEvents());
        Assert.False(ev.GetProperty("data").GetProperty("known_hook").GetBoolean());
        Assert.Equal("org.ganeti.made-up-path.post", ev.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Hostile_values_reach_the_event_intact_and_output_stays_utf8()
    {
        const string hostile = "web\"; rm -rf / #\n`x` $(y) 名前 \\";
        var run = await Run("instance-migrate-post-node1-01", "node1.lab.example", WriteConfig(matchers: "[]"),
            env => env["GANETI_INSTANCE_TAGS"] = hostile);
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        var ev = Assert.Single(WrittenEvents());
        Assert.Equal(hostile, ev.GetProperty("data").GetProperty("env").GetProperty("GANETI_INSTANCE_TAGS").GetString());
        Assert.Equal(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(run.Stdout + run.Stderr)), run.Stdout + run.Stderr);
    }

    [Fact]
    public async Task The_lean_hook_binary_hands_commands_to_hookrelay()
    {
        var run = await HookProcess.RunAsync(_host.HookBinary, ["version", "--json"], new Dictionary<string, string>(),
            new Dictionary<string, string>(), TimeSpan.FromSeconds(20));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("\"version\"", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hook_runs_the_same_from_the_full_binary()
    {
        var config = WriteConfig();
        var env = Fixtures.Env("instance-migrate-post-node1-01");
        var run = await HookProcess.RunAsync(_host.Binary, env,
            new Dictionary<string, string> { ["HOOKRELAY_CONFIG"] = config, ["HOOKRELAY_NODE"] = "node1.lab.example" }, TimeSpan.FromSeconds(20));
        Assert.Equal(HookExitCodes.Ok, run.ExitCode);
        Assert.Single(WrittenEvents());
    }

    [Fact]
    public async Task Without_arguments_or_ganeti_variables_it_prints_help_instead_of_acting()
    {
        var run = await HookProcess.RunAsync(_host.Binary, new Dictionary<string, string>(), new Dictionary<string, string>(), TimeSpan.FromSeconds(20));
        Assert.Contains("Usage:", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("simulate", run.Stdout, StringComparison.Ordinal);
    }
}
