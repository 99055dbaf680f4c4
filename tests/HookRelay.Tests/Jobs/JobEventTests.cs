using System.Text.Json;
using HookRelay.Jobs;
using HookRelay.Rules;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Jobs;

public sealed class JobEventTests
{
    private const string Cluster = "cluster.lab.example";

    private static GanetiJob Job(string name) => GanetiJob.Parse(File.ReadAllBytes(Fixtures.Dir("jobs", name + ".json")));

    private static byte[] Event(string name, int step)
    {
        var job = Job(name);
        return JobEvent.Compose(Cluster, job, step, JobStep.Of(job)[step], stamp: null);
    }

    private static string Sentence(byte[] cloudEvent)
    {
        using var view = new EventView(cloudEvent);
        return DefaultMessages.For(view).Render(TextFormat.Plain);
    }

    [Fact]
    public void A_failed_job_says_what_failed_how_long_it_ran_and_ganetis_error()
    {
        Assert.Equal("job 8 INSTANCE_MIGRATE(web-1.lab.example) failed after 389 ms: OpPrereqError: Can't migrate, please use failover: "
            + "Instance web-1.lab.example is not running on cluster cluster.lab.example", Sentence(Event("job-8", 4)));
    }

    [Fact]
    public void Each_step_has_a_sentence_naming_the_job()
    {
        Assert.Equal("job 9 INSTANCE_STARTUP(web-1.lab.example) queued by gnt:user: after maintenance, ticket OPS-12 on cluster cluster.lab.example",
            Sentence(Event("job-9", 0)));
        Assert.StartsWith("job 5 INSTANCE_CREATE(tmp-1.lab.example): opcode 0 OP_INSTANCE_CREATE tmp-1.lab.example error: HooksAbort: instance-add-pre.d/hookrelay: "
            + "hookrelay: denied by gate 'naming'", Sentence(Event("job-5", 3)), StringComparison.Ordinal);
        Assert.Equal("job 11 TEST_DELAY canceled on cluster cluster.lab.example", Sentence(Event("job-11", 4)));
        Assert.Equal("job 3 INSTANCE_CREATE(web-1.lab.example) succeeded in 1.2 s on cluster cluster.lab.example", Sentence(Event("job-3", 4)));
    }

    [Fact]
    public void Routes_select_job_events_by_kind_status_step_job_and_instance()
    {
        using var view = new EventView(Event("job-8", 4));
        var attributes = new DocumentAttributes(view);
        Assert.Equal(["job"], attributes.ValuesOf("kind"));
        Assert.Equal(["error"], attributes.ValuesOf("status"));
        Assert.Equal(["error"], attributes.ValuesOf("step"));
        Assert.Equal(["8"], attributes.ValuesOf("job_id"));
        Assert.Equal(["web-1.lab.example"], attributes.ValuesOf("instance"));
        Assert.Equal(["OP_INSTANCE_MIGRATE"], attributes.ValuesOf("op_code"));
        Assert.Equal(["cluster.lab.example"], attributes.ValuesOf("cluster"));
    }

    [Fact]
    public void The_same_step_is_the_same_event_and_each_step_another()
    {
        static string Id(byte[] e) => JsonDocument.Parse(e).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(Id(Event("job-8", 2)), Id(Event("job-8", 2)));
        Assert.Equal(5, Enumerable.Range(0, 5).Select(i => Id(Event("job-8", i))).Distinct().Count());
        Assert.NotEqual(JobEvent.IdOf("cluster-a", 8, 0), JobEvent.IdOf("cluster-b", 8, 0));
    }

    [Fact]
    public void An_ended_opcode_lists_the_hook_runs_it_caused_on_this_node_by_hooks_path_target_and_time()
    {
        // Job 5 (21:35:24.50 to 24.79) tried to create tmp-1; the gate refused its pre run. Job 4 migrated web-1 before it.
        using var state = new TempDir();
        File.WriteAllLines(Path.Combine(state.Path, "hook-runs.jsonl"),
        [
            """{"time":"2026-12-01T21:35:23.100Z","hook":"instance-migrate","phase":"pre","node":"node1.lab.example","target":"web-1.lab.example","exit":0,"ms":3.1,"result":"queued","outcome":"queued for chat","event":"019ad7a0-0000-7000-8000-000000000004"}""",
            """{"time":"2026-12-01T21:35:24.700Z","hook":"instance-add","phase":"pre","node":"node1.lab.example","target":"tmp-1.lab.example","exit":1,"ms":4.2,"result":"denied","outcome":"denied by gate 'naming'; queued for chat","event":"019ad7a0-0000-7000-8000-000000000005"}""",
            """{"time":"2026-12-01T21:35:24.710Z","hook":"instance-add","phase":"pre","node":"node1.lab.example","target":"db-2.lab.example","exit":0,"ms":2.0,"result":"nothing","outcome":"nothing to send"}""",
        ]);
        var job = Job("job-5");

        using var document = JsonDocument.Parse(JobEvent.Compose(Cluster, job, 3, JobStep.Of(job)[3], stamp: null, JobHookRuns.Recent(state.Path)));

        var run = Assert.Single(document.RootElement.GetProperty("data").GetProperty("job").GetProperty("opcodes")[0].GetProperty("hook_runs").EnumerateArray());
        Assert.Equal(("instance-add", "pre", "node1.lab.example", "denied", "019ad7a0-0000-7000-8000-000000000005"),
            (run.GetProperty("hook").GetString(), run.GetProperty("phase").GetString(), run.GetProperty("node").GetString(), run.GetProperty("result").GetString(),
                run.GetProperty("event_id").GetString()));
    }

    [Fact]
    public void A_cluster_job_is_about_the_cluster()
    {
        using var document = JsonDocument.Parse(Event("job-12", 0));
        Assert.Equal(Cluster, document.RootElement.GetProperty("subject").GetString());
    }
}
