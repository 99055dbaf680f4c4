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
    public void A_cluster_job_is_about_the_cluster()
    {
        using var document = JsonDocument.Parse(Event("job-12", 0));
        Assert.Equal(Cluster, document.RootElement.GetProperty("subject").GetString());
    }
}
