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

        // Canceled while it waited for the node lock the first delay holds.
        var first = await lab.GntAsync("gnt-debug", "delay", "--submit", "-n", "node1.lab.example", "6");
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
