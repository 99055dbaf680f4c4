using System.Globalization;
using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Ganeti;

/// <summary>
/// Job events from the real cluster's job queue, watched by the master's `hookrelay serve` and
/// delivered to the receiver (the lab routes kind="job" there): a job that succeeds, one a gate
/// refuses, one that fails inside Ganeti and one canceled, each with the id and status
/// `gnt-job list` gives it.
/// </summary>
[Collection(RealGanetiCluster.Name)]
public sealed class RealJobEventsTests(GanetiLab lab)
{
    private const string Os = "noop+default";

    private static long JobId(JsonElement ev) => ev.GetProperty("data").GetProperty("job").GetProperty("id").GetInt64();

    /// <summary>The id and status `gnt-job list` gives the newest job whose summary contains <paramref name="summary"/>.</summary>
    private async Task<(long Id, string Status)> ListedAsync(string summary)
    {
        var list = await lab.GntAsync("gnt-job", "list", "--no-headers", "-o", "id,status,summary");
        var line = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Last(columns => columns.Length >= 3 && columns[2].Contains(summary, StringComparison.Ordinal));
        return (long.Parse(line[0], CultureInfo.InvariantCulture), line[1]);
    }

    /// <summary>Every step of job <paramref name="id"/> the receiver got once its final step arrived, oldest first.</summary>
    private async Task<List<JsonElement>> StepsAsync(long id, string final)
    {
        await lab.WaitForEventAsync($"job {id}'s {final}", e => e.GetProperty("type").GetString() == $"org.ganeti.job.{final}" && JobId(e) == id,
            TimeSpan.FromSeconds(30));
        return [.. lab.Received().Where(e => e.GetProperty("type").GetString()!.StartsWith("org.ganeti.job.", StringComparison.Ordinal) && JobId(e) == id)
            .OrderBy(e => e.GetProperty("time").GetString(), StringComparer.Ordinal)];
    }

    private static IEnumerable<string> Types(IEnumerable<JsonElement> steps) => steps.Select(e => e.GetProperty("type").GetString()![15..]);

    private static readonly string[] Succeeded = ["queued", "started", "opcode-started", "opcode-finished", "success"];

    /// <summary>A `gnt-debug delay` job submitted on <paramref name="node"/> (the master then): its id.</summary>
    private async Task<long> DelayJobAsync(int node, string seconds)
    {
        var run = await lab.InNodeAsync(node, "gnt-debug", "delay", "--submit", seconds);
        Assert.True(run.ExitCode == 0, $"gnt-debug delay on node{node}: {run.Output}");
        return long.Parse(run.Output.Split(':')[^1].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Each job's steps arrived whole, in order, each step as one event (a redelivery after a crash carries the same id).</summary>
    private async Task AssertEachStepOnceAsync(IEnumerable<long> jobs)
    {
        foreach (var id in jobs)
        {
            var steps = (await StepsAsync(id, "success")).DistinctBy(e => e.GetProperty("id").GetString()).ToList();
            Assert.True(Succeeded.SequenceEqual(Types(steps)), $"job {id}: {string.Join(", ", Types(steps))}");
        }
    }

    [Fact]
    public async Task Hook_events_on_both_nodes_carry_the_job_that_ran_them_and_the_job_lists_the_masters_hook_runs()
    {
        await lab.GntOkAsync("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node2.lab.example",
            "--no-name-check", "--no-ip-check", "db-32.lab.example");
        var (id, _) = await ListedAsync("INSTANCE_CREATE(db-32.lab.example)");
        var job = (await StepsAsync(id, "success"))[^1];

        // The master's run, at the receiver; node2's (the new instance's primary), in node2's own file sink.
        static bool PostAdd(JsonElement e) =>
            e.GetProperty("type").GetString() == "org.ganeti.instance-add.post" && e.GetProperty("subject").GetString() == "db-32.lab.example";
        var onMaster = await lab.WaitForEventAsync("db-32's instance-add post", PostAdd);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!lab.Copies(2).Any(PostAdd) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        var onNode2 = lab.Copies(2).First(PostAdd);
        foreach (var (ev, node) in new[] { (onMaster, "node1"), (onNode2, "node2") })
        {
            var joined = ev.GetProperty("data").GetProperty("job");
            Assert.True(joined.TryGetProperty("id", out var jobId) && jobId.GetInt64() == id, $"{node}'s event: data.job {joined}");
            Assert.Equal(0, joined.GetProperty("op_index").GetInt32());
            Assert.Equal("INSTANCE_CREATE(db-32.lab.example)", joined.GetProperty("summary").GetString());
            Assert.Contains(joined.GetProperty("reason").EnumerateArray(), r => r.GetString() == "gnt:client:gnt-instance: add");
        }

        // The job's opcode lists the runs on the master, each with the event it queued.
        var runs = job.GetProperty("data").GetProperty("job").GetProperty("opcodes")[0].GetProperty("hook_runs").EnumerateArray().ToList();
        Assert.Contains(runs, r => r.GetProperty("phase").GetString() == "pre" && r.GetProperty("hook").GetString() == "instance-add");
        Assert.Contains(runs, r => r.GetProperty("phase").GetString() == "post" && r.GetProperty("event_id").GetString() == onMaster.GetProperty("id").GetString());
        await lab.GntOkAsync("gnt-instance", "remove", "-f", "db-32.lab.example");
    }

    [Fact]
    public async Task With_jobs_source_rapi_the_master_reads_each_job_from_the_real_ganeti_rapi()
    {
        // As where the queue's files cannot be read (HookRelay not run as root): the master's RAPI instead.
        var config = Path.Combine(lab.EtcOf(1), "hookrelay.yaml");
        var access = Path.Combine(lab.Dir, "node1", "log", "rapi-daemon.log");
        await File.WriteAllTextAsync(config, lab.ConfigYaml + $$"""

            jobs:
              source: rapi
              rapi: { url: "https://127.0.0.1:5080", user: {{GanetiLab.RapiUser}}, password: "${file:/etc/hookrelay/rapi.password}", certificate: /var/lib/ganeti/rapi.pem }
            """, TestContext.Current.CancellationToken);
        await lab.ReloadServeAsync(1);
        try
        {
            var delay = await DelayJobAsync(1, "0.2");
            var refused = await lab.GntAsync("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node1.lab.example",
                "--no-name-check", "--no-ip-check", "tmp-33.lab.example");
            Assert.NotEqual(0, refused.ExitCode);
            var (denied, _) = await ListedAsync("INSTANCE_CREATE(tmp-33.lab.example)");

            await AssertEachStepOnceAsync([delay]);
            var failure = await StepsAsync(denied, "error");
            Assert.Equal(["queued", "started", "opcode-started", "opcode-finished", "error"], Types(failure));
            var job = failure[^1].GetProperty("data").GetProperty("job");
            Assert.StartsWith("HooksAbort: instance-add-pre.d/hookrelay: hookrelay: denied by gate 'naming'", job.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains(job.GetProperty("reason").EnumerateArray(), r => r.GetString() == "gnt:client:gnt-instance: add");
            // Read through the RAPI, as ganeti-rapi's own log says ("… GET /2/jobs/12 HTTP/1.1 200").
            var log = await File.ReadAllTextAsync(access, TestContext.Current.CancellationToken);
            Assert.Contains($"GET /2/jobs/{denied.ToString(CultureInfo.InvariantCulture)} HTTP/1.1 200", log, StringComparison.Ordinal);
            Assert.Contains($"GET /2/jobs/{delay.ToString(CultureInfo.InvariantCulture)} HTTP/1.1 200", log, StringComparison.Ordinal);
        }
        finally
        {
            await File.WriteAllTextAsync(config, lab.ConfigYaml, CancellationToken.None);
            await lab.ReloadServeAsync(1);
        }
    }

    [Fact]
    public async Task A_master_failover_to_node2_and_back_moves_the_watcher_without_losing_or_repeating_a_job_event()
    {
        List<long> jobs = [await DelayJobAsync(1, "0.2"), await DelayJobAsync(1, "0.2")];
        try
        {
            await lab.MasterFailoverAsync(2);
            jobs.Add(await DelayJobAsync(2, "0.2"));
            jobs.Add(await DelayJobAsync(2, "0.2"));
        }
        finally
        {
            await lab.MasterFailoverAsync(1);
        }
        jobs.Add(await DelayJobAsync(1, "0.2"));
        jobs.Add(await DelayJobAsync(1, "0.2"));

        await AssertEachStepOnceAsync(jobs);
        var listed = await lab.GntAsync("gnt-job", "list", "--no-headers", "-o", "id,status");
        foreach (var id in jobs)
        {
            Assert.Contains($"{id} success", listed.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_daemon_crash_in_the_middle_of_a_burst_of_jobs_loses_and_repeats_no_job_event()
    {
        var jobs = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            jobs.Add(await DelayJobAsync(1, "0.3"));
            if (i == 5)
            {
                await lab.CrashAndRestartServeAsync(1);
            }
        }

        await AssertEachStepOnceAsync(jobs);
    }

    [Fact]
    public async Task Each_job_arrives_step_by_step_with_the_id_and_status_gnt_job_list_gives_it()
    {
        await lab.GntOkAsync("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node1.lab.example",
            "--no-name-check", "--no-ip-check", "db-31.lab.example");
        var (added, addedStatus) = await ListedAsync("INSTANCE_CREATE(db-31.lab.example)");
        Assert.Equal("success", addedStatus);
        var steps = await StepsAsync(added, "success");
        Assert.Equal(["queued", "started", "opcode-started", "opcode-finished", "success"], Types(steps));
        var job = steps[^1].GetProperty("data").GetProperty("job");
        Assert.Equal("INSTANCE_CREATE(db-31.lab.example)", job.GetProperty("summary").GetString());
        Assert.Equal("db-31.lab.example", steps[^1].GetProperty("subject").GetString());
        Assert.Equal("ganeti://cluster.lab.example", steps[^1].GetProperty("source").GetString());
        Assert.Contains(job.GetProperty("reason").EnumerateArray(), r => r.GetString() == "gnt:client:gnt-instance: add");

        // Refused by HookRelay's own gate: the job's error names the hook and its sentence.
        var refused = await lab.GntAsync("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node1.lab.example",
            "--no-name-check", "--no-ip-check", "tmp-31.lab.example");
        Assert.NotEqual(0, refused.ExitCode);
        var (denied, deniedStatus) = await ListedAsync("INSTANCE_CREATE(tmp-31.lab.example)");
        Assert.Equal("error", deniedStatus);
        var error = (await StepsAsync(denied, "error"))[^1].GetProperty("data").GetProperty("job").GetProperty("error").GetString();
        Assert.StartsWith("HooksAbort: instance-add-pre.d/hookrelay: hookrelay: denied by gate 'naming'", error, StringComparison.Ordinal);

        // Failed inside Ganeti: a stopped instance cannot be migrated.
        await lab.GntOkAsync("gnt-instance", "shutdown", "db-31.lab.example");
        var migrate = await lab.GntAsync("gnt-instance", "migrate", "-f", "db-31.lab.example");
        Assert.NotEqual(0, migrate.ExitCode);
        var (failed, failedStatus) = await ListedAsync("INSTANCE_MIGRATE(db-31.lab.example)");
        Assert.Equal("error", failedStatus);
        var failure = await StepsAsync(failed, "error");
        Assert.StartsWith("Op", failure[^1].GetProperty("data").GetProperty("job").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(["queued", "started", "opcode-started", "opcode-finished", "error"], Types(failure));

        // Canceled while it waited for the node lock the first delay holds (long enough for two gnt commands on a busy machine).
        var first = await lab.GntAsync("gnt-debug", "delay", "--submit", "-n", "node1.lab.example", "15");
        var second = await lab.GntAsync("gnt-debug", "delay", "--submit", "-n", "node1.lab.example", "6");
        var waiting = long.Parse(second.Output.Split(':')[^1].Trim(), CultureInfo.InvariantCulture);
        await lab.GntOkAsync("gnt-job", "cancel", waiting.ToString(CultureInfo.InvariantCulture));
        var canceled = await StepsAsync(waiting, "canceled");
        Assert.Equal("canceled", canceled[^1].GetProperty("data").GetProperty("job").GetProperty("status").GetString());
        Assert.Contains("JobID:", first.Output, StringComparison.Ordinal);

        // Once each: no step of these jobs arrived twice.
        var ids = new[] { added, denied, failed, waiting };
        var all = lab.Received().Where(e => e.GetProperty("type").GetString()!.StartsWith("org.ganeti.job.", StringComparison.Ordinal) && ids.Contains(JobId(e))).ToList();
        Assert.Equal(all.Count, all.Select(e => e.GetProperty("id").GetString()).Distinct().Count());
    }
}
