using System.Text.Json.Nodes;
using HookRelay.Jobs;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Jobs;

public sealed class JobStepTests
{
    private static GanetiJob Job(string name) => GanetiJob.Parse(File.ReadAllBytes(Fixtures.Dir("jobs", name + ".json")));

    private static IEnumerable<string> Names(GanetiJob job) => JobStep.Of(job).Select(s => s.Opcode is { } i ? $"{s.Name} {i}" : s.Name);

    [Fact]
    public void A_finished_job_is_queued_started_its_opcode_begun_and_ended_then_its_outcome()
    {
        Assert.Equal(["queued", "started", "opcode-started 0", "opcode-finished 0", "success"], Names(Job("job-3")));
        Assert.Equal(["queued", "started", "opcode-started 0", "opcode-finished 0", "error"], Names(Job("job-8")));
        // Canceled while it waited for its locks: it had begun, so it ends, canceled.
        Assert.Equal(["queued", "started", "opcode-started 0", "opcode-finished 0", "canceled"], Names(Job("job-11")));
    }

    [Fact]
    public void Each_step_has_the_time_ganeti_wrote_for_it_in_order()
    {
        var job = Job("job-8");
        var steps = JobStep.Of(job);
        Assert.Equal(job.Received, steps[0].At);
        Assert.Equal(job.Ended, steps[^1].At);
        Assert.Equal(steps.Select(s => s.At).Order(), steps.Select(s => s.At));
    }

    [Fact]
    public void A_running_jobs_steps_are_the_start_of_its_finished_steps()
    {
        // job-3 as it was while its opcode ran: no end times, statuses running.
        var file = JsonNode.Parse(File.ReadAllText(Fixtures.Dir("jobs", "job-3.json")))!.AsObject();
        file["end_timestamp"] = null;
        var op = file["ops"]![0]!.AsObject();
        op["status"] = "running";
        op["end_timestamp"] = null;
        var running = GanetiJob.Parse(System.Text.Encoding.UTF8.GetBytes(file.ToJsonString()));
        Assert.Equal("running", running.Status);
        var before = JobStep.Of(running);
        var after = JobStep.Of(Job("job-3"));
        Assert.Equal(["queued", "started", "opcode-started"], before.Select(s => s.Name));
        Assert.Equal(before, after.Take(before.Count));
    }
}
