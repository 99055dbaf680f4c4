using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Jobs;

/// <summary>
/// A real `hookrelay serve` watching a job queue laid out as Ganeti's master keeps it (ssconf files,
/// queue/job-ID, queue/serial, queue/archive/0/job-ID), filled with job files captured from the
/// lab cluster; job events delivered to a file sink and read back.
/// </summary>
public sealed class JobQueueWatcherTests : IDisposable
{
    private readonly HookRelayHost _host = new();
    private readonly string _ganeti;
    private readonly string _delivered;

    public JobQueueWatcherTests()
    {
        _ganeti = Path.Combine(_host.Dir.Path, "ganeti");
        Directory.CreateDirectory(Path.Combine(_ganeti, "queue"));
        File.WriteAllText(Path.Combine(_ganeti, "ssconf_cluster_name"), "cluster.lab.example\n");
        File.WriteAllText(Path.Combine(_ganeti, "ssconf_master_node"), "node1.lab.example\n");
        File.WriteAllText(Path.Combine(_ganeti, "ssconf_node_list"), "node1.lab.example\nnode2.lab.example\n");
        _delivered = Path.Combine(_host.Dir.Path, "jobs.jsonl");
        _host.Configure($$"""
            sinks:
              jobs: { type: file, path: {{_delivered}} }
            routes:
              - { name: jobs, matchers: ['kind="job"'], to: [jobs] }
              - { name: hooks, to: [jobs] }
            """);
    }

    public void Dispose() => _host.Dispose();

    /// <summary>A captured job file put where Ganeti would, and the serial moved on to it.</summary>
    private void Ganeti(string capture, long id, bool archived = false)
    {
        var target = archived ? Path.Combine(_ganeti, "queue", "archive", "0", $"job-{id}") : Path.Combine(_ganeti, "queue", $"job-{id}");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // As Ganeti writes it: to another name, then renamed into place.
        File.Copy(Fixtures.Dir("jobs", capture + ".json"), target + ".tmp", overwrite: true);
        File.Move(target + ".tmp", target, overwrite: true);
        File.WriteAllText(Path.Combine(_ganeti, "queue", "serial"), id.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A captured job as it stood at <paramref name="at"/>, as the master had written it then: what happened later not yet there.</summary>
    private void GanetiAsItStood(string capture, long id, DateTimeOffset at)
    {
        var job = Capture(capture).AsObject();
        bool After(JsonNode? stamp) => stamp is JsonArray && Stamp(stamp) >= at;
        foreach (var name in new[] { "start_timestamp", "end_timestamp" })
        {
            if (After(job[name]))
            {
                job[name] = null;
            }
        }
        foreach (var op in job["ops"]!.AsArray().Select(o => o!.AsObject()))
        {
            if (After(op["start_timestamp"]))
            {
                (op["status"], op["start_timestamp"], op["exec_timestamp"], op["end_timestamp"], op["result"], op["log"]) = ("queued", null, null, null, null, new JsonArray());
            }
            else if (After(op["end_timestamp"]))
            {
                (op["status"], op["end_timestamp"], op["result"]) = ("running", null, null);
            }
        }
        var target = Path.Combine(_ganeti, "queue", $"job-{id}");
        File.WriteAllText(target + ".tmp", job.ToJsonString());
        File.Move(target + ".tmp", target, overwrite: true);
        File.WriteAllText(Path.Combine(_ganeti, "queue", "serial"), id.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A master failover as every node sees it: ssconf_master_node replaced, written at <paramref name="at"/>.</summary>
    private void MasterFailover(string newMaster, DateTimeOffset at)
    {
        var path = Path.Combine(_ganeti, "ssconf_master_node");
        File.WriteAllText(path + ".tmp", newMaster + "\n");
        File.SetLastWriteTimeUtc(path + ".tmp", at.UtcDateTime);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static DateTimeOffset Stamp(JsonNode node) => DateTimeOffset.FromUnixTimeSeconds((long)node[0]!).AddTicks((long)node[1]! * 10);

    private static DateTimeOffset Between(JsonNode? first, JsonNode? second) => Stamp(first!) + (Stamp(second!) - Stamp(first!)) / 2;

    private static JsonNode Capture(string name) => JsonNode.Parse(File.ReadAllText(Fixtures.Dir("jobs", name + ".json")))!;

    private ServeProcess Serve(string node = "node1.lab.example", HookRelayHost? host = null) =>
        (host ?? _host).StartServe(new Dictionary<string, string> { ["HOOKRELAY_SSCONF_DIR"] = _ganeti, ["HOOKRELAY_NODE"] = node });

    private List<JsonElement> Delivered() => Delivered(_delivered);

    private static List<JsonElement> Delivered(string file) => File.Exists(file)
        ? [.. File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement.Clone())]
        : [];

    private Task<List<JsonElement>> WaitForAsync(int count) => WaitForAsync(_delivered, count);

    private static async Task<List<JsonElement>> WaitForAsync(string file, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Delivered(file).Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        var delivered = Delivered(file);
        Assert.True(delivered.Count == count, $"expected {count} job events, got {delivered.Count}: {string.Join(", ", delivered.Select(Step))}");
        return delivered;
    }

    private static string Step(JsonElement ev) => $"{ev.GetProperty("data").GetProperty("job").GetProperty("id")} {ev.GetProperty("type").GetString()}";

    [Fact]
    public async Task Every_step_of_each_new_job_is_delivered_once_in_order_and_a_restart_repeats_nothing_and_misses_nothing()
    {
        Ganeti("job-3", 3);
        Ganeti("job-4", 4);
        using (var serve = Serve())
        {
            await serve.WaitReadyAsync(_host.StateDir);
            // Said once the state is saved: what is there now counts as reported.
            await serve.WaitForOutputAsync("2 jobs there taken as reported");
            Assert.True(File.Exists(Path.Combine(_host.StateDir, "job-queue.json")));
            Ganeti("job-5", 5);   // refused by a gate
            Ganeti("job-8", 8);   // failed in Ganeti
            var events = await WaitForAsync(10);
            Assert.Equal(["5 org.ganeti.job.queued", "5 org.ganeti.job.started", "5 org.ganeti.job.opcode-started", "5 org.ganeti.job.opcode-finished",
                "5 org.ganeti.job.error"], events.Where(e => Step(e).StartsWith("5 ", StringComparison.Ordinal)).Select(Step));
            var failed = events.Single(e => Step(e) == "8 org.ganeti.job.error");
            Assert.Equal("web-1.lab.example", failed.GetProperty("subject").GetString());
            Assert.Equal("ganeti://cluster.lab.example", failed.GetProperty("source").GetString());
            var job = failed.GetProperty("data").GetProperty("job");
            Assert.Equal("error", job.GetProperty("status").GetString());
            Assert.Equal("OpPrereqError: Can't migrate, please use failover: Instance web-1.lab.example is not running", job.GetProperty("error").GetString());
            Assert.Equal("INSTANCE_MIGRATE(web-1.lab.example)", job.GetProperty("summary").GetString());
            Assert.Equal("gnt:client:gnt-instance: migrate", job.GetProperty("reason")[0].GetString());
            Assert.Equal(389, job.GetProperty("duration_ms").GetInt64());
            Assert.Equal("web-1.lab.example", failed.GetProperty("data").GetProperty("instance").GetProperty("name").GetString());
            Assert.Equal("2026-12-01T21:35:28.0046130Z", failed.GetProperty("time").GetString());
        }
        // While the daemon is down: job 9 runs and is archived at once, job 11 is canceled.
        Ganeti("job-9", 9, archived: true);
        Ganeti("job-11", 11);
        using (var serve = Serve())
        {
            await serve.WaitReadyAsync(_host.StateDir);
            var events = await WaitForAsync(20);
            Assert.Equal(5, events.Count(e => Step(e).StartsWith("9 ", StringComparison.Ordinal)));
            // In order within a job (one subject, one ordering key); jobs about different objects may interleave.
            Assert.Equal(["11 org.ganeti.job.queued", "11 org.ganeti.job.started", "11 org.ganeti.job.opcode-started", "11 org.ganeti.job.opcode-finished",
                "11 org.ganeti.job.canceled"], events.Select(Step).Where(s => s.StartsWith("11 ", StringComparison.Ordinal)));
            Assert.Equal(events.Count, events.Select(e => e.GetProperty("id").GetString()).Distinct().Count());
        }
        var status = await _host.CliAsync("status");
        Assert.Contains("job events: reported by this node, the master (jobs.source auto); highest job 11, ", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_state_file_is_set_aside_said_and_the_watcher_starts_afresh()
    {
        Ganeti("job-3", 3);
        Directory.CreateDirectory(_host.StateDir);
        File.WriteAllText(Path.Combine(_host.StateDir, "job-queue.json"), "{\"highest\": 3, \"repor");
        using var serve = Serve();
        await serve.WaitReadyAsync(_host.StateDir);
        await serve.WaitForOutputAsync("taken as reported");
        Assert.Contains("job-queue.json unreadable", serve.Output, StringComparison.Ordinal);
        Assert.Contains("moved to job-queue.json.damaged, starting afresh", serve.Output, StringComparison.Ordinal);
        Assert.Contains("1 jobs there taken as reported", serve.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_host.StateDir, "job-queue.json.damaged")));
        Ganeti("job-8", 8);
        Assert.Equal("8 org.ganeti.job.error", Step((await WaitForAsync(5))[^1]));
    }

    [Fact]
    public async Task A_node_that_is_not_the_master_watches_no_queue()
    {
        Ganeti("job-3", 3);
        using var serve = Serve("node2.lab.example");
        await serve.WaitReadyAsync(_host.StateDir);
        await serve.WaitForOutputAsync("watches no queue");
        Assert.Contains("job events come from the master (node1.lab.example); this node (node2.lab.example) watches no queue", serve.Output, StringComparison.Ordinal);
        Ganeti("job-8", 8);
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.Empty(Delivered());
        // Known as a node that is not the master, so that becoming one is a takeover.
        Assert.Contains("\"master\":false", File.ReadAllText(Path.Combine(_host.StateDir, "job-queue.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_master_failover_and_back_splits_the_jobs_at_the_moment_ssconf_names_the_new_master_none_lost_none_twice()
    {
        // Two nodes' daemons on one queue (as Ganeti keeps it replicated on both), each delivering to a file of its own.
        using var second = new HookRelayHost();
        var secondDelivered = Path.Combine(second.Dir.Path, "jobs.jsonl");
        second.Configure($$"""
            sinks:
              jobs: { type: file, path: {{secondDelivered}} }
            routes:
              - { name: jobs, matchers: ['kind="job"'], to: [jobs] }
            """);
        Ganeti("job-3", 3);
        using var node1 = Serve("node1.lab.example");
        using var node2 = Serve("node2.lab.example", second);
        await node1.WaitForOutputAsync("1 jobs there taken as reported");
        await node2.WaitForOutputAsync("watches no queue");

        // On node1: job 5 whole, job 10 until its opcode runs; then node2 becomes master while it runs.
        Ganeti("job-5", 5);
        var job10 = Capture("job-10")["ops"]![0]!;
        var firstFailover = Between(job10["start_timestamp"], job10["end_timestamp"]);
        GanetiAsItStood("job-10", 10, firstFailover);
        await WaitForAsync(8);
        MasterFailover("node2.lab.example", firstFailover);
        await node1.WaitForOutputAsync("reported every job step until then");
        await node2.WaitForOutputAsync("became master at");

        // On node2: job 10 ends, job 12 runs whole, job 14 is queued; then node1 becomes master again before 14 starts.
        Ganeti("job-10", 10);
        Ganeti("job-12", 12);
        var job14 = Capture("job-14");
        var secondFailover = Between(job14["received_timestamp"], job14["start_timestamp"]);
        GanetiAsItStood("job-14", 14, secondFailover);
        await WaitForAsync(secondDelivered, 8);
        MasterFailover("node1.lab.example", secondFailover);
        await node2.WaitForOutputAsync("reported every job step until then");
        await node1.WaitForOutputAsync("became master at");
        Ganeti("job-14", 14);
        await WaitForAsync(12);

        var byNode1 = Delivered().Select(Step).ToList();
        var byNode2 = Delivered(secondDelivered).Select(Step).ToList();
        Assert.Equal(["10 org.ganeti.job.queued", "10 org.ganeti.job.started", "10 org.ganeti.job.opcode-started"],
            byNode1.Where(s => s.StartsWith("10 ", StringComparison.Ordinal)));
        Assert.Equal(["10 org.ganeti.job.opcode-finished", "10 org.ganeti.job.success"], byNode2.Where(s => s.StartsWith("10 ", StringComparison.Ordinal)));
        Assert.Equal(["14 org.ganeti.job.queued"], byNode2.Where(s => s.StartsWith("14 ", StringComparison.Ordinal)));
        Assert.Equal(5, byNode2.Count(s => s.StartsWith("12 ", StringComparison.Ordinal)));
        Assert.Equal(5, byNode1.Count(s => s.StartsWith("5 ", StringComparison.Ordinal)));
        // Each job whole across both nodes, each step once.
        var all = byNode1.Concat(byNode2).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        foreach (var id in new[] { 5, 10, 12, 14 })
        {
            Assert.Equal(5, all.Count(s => s.StartsWith($"{id} ", StringComparison.Ordinal)));
        }
        Assert.DoesNotContain(all, s => s.StartsWith("3 ", StringComparison.Ordinal));
        // What each node's status says now: node1 reports again, since the second failover; node2 does not.
        Assert.Contains("job events: this node is not the master: the master's daemon reports them", (await second.CliAsync("status")).Stdout, StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse((await _host.CliAsync("status", "--json")).Stdout);
        var jobs = json.RootElement.GetProperty("job_events");
        Assert.True(jobs.GetProperty("reported_here").GetBoolean());
        Assert.Equal(14, jobs.GetProperty("highest_job").GetInt64());
        Assert.Equal(secondFailover.ToUnixTimeSeconds(), DateTimeOffset.Parse(jobs.GetProperty("master_since").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeSeconds());
    }
}
