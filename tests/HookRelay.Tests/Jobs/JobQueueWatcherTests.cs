using System.Globalization;
using System.Text.Json;
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

    private ServeProcess Serve(string node = "node1.lab.example") =>
        _host.StartServe(new Dictionary<string, string> { ["HOOKRELAY_SSCONF_DIR"] = _ganeti, ["HOOKRELAY_NODE"] = node });

    private List<JsonElement> Delivered() => File.Exists(_delivered)
        ? [.. File.ReadAllLines(_delivered).Select(l => JsonDocument.Parse(l).RootElement.Clone())]
        : [];

    private async Task<List<JsonElement>> WaitForAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Delivered().Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        var delivered = Delivered();
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
        Assert.False(File.Exists(Path.Combine(_host.StateDir, "job-queue.json")));
    }
}
