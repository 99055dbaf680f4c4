using HookRelay.Events;
using HookRelay.Jobs;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Jobs;

/// <summary>
/// Hook runs joined with the jobs that ran them, in a queue of job files captured from the lab:
/// by opcode, target and the opcode's running time; when none fits, the event says why.
/// </summary>
public sealed class JobJoinTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly JobJoin _join;

    public JobJoinTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "queue"));
        foreach (var id in new[] { 3, 4, 5, 6, 7, 8, 9, 10 })
        {
            File.Copy(Fixtures.Dir("jobs", $"job-{id}.json"), Path.Combine(_dir.Path, "queue", $"job-{id}"));
        }
        _join = new JobJoin(_dir.Path);
    }

    public void Dispose() => _dir.Dispose();

    private static HookEvent Run(string capture, string instance)
    {
        var env = Fixtures.Env(capture);
        Fixtures.Named(instance)(env);
        return HookEventParser.Parse(env, Fixtures.Node(capture));
    }

    /// <summary>A time inside the captured jobs' day: 2026-12-01 21:35:SS.fff UTC.</summary>
    private static DateTimeOffset At(double seconds) => new DateTimeOffset(2026, 12, 1, 21, 35, 0, TimeSpan.Zero).AddSeconds(seconds);

    [Fact]
    public void A_pre_run_is_joined_with_the_job_whose_opcode_was_running_then_its_id_index_summary_and_reason()
    {
        // Job 4 migrated web-1 from 21:35:22.72 to 21:35:23.95.
        var job = _join.Join("e1", Run("instance-migrate-pre-node1-01", "web-1.lab.example"), At(23.1));

        Assert.Equal((4L, 0), (job!.Id, job.OpIndex));
        Assert.Equal("INSTANCE_MIGRATE(web-1.lab.example)", job.Summary);
        Assert.Contains("gnt:client:gnt-instance: migrate", job.Reason!);
        Assert.Null(job.NotJoined);
    }

    [Fact]
    public void Two_identical_operations_on_one_instance_are_told_apart_by_when_each_ran()
    {
        // Jobs 7 and 8 both migrated web-1 (and failed): one opkey, two jobs.
        Assert.Equal(7L, _join.Join("e7", Run("instance-migrate-pre-node1-01", "web-1.lab.example"), At(26.8))!.Id);
        Assert.Equal(8L, _join.Join("e8", Run("instance-migrate-post-node2-01", "web-1.lab.example"), At(27.9))!.Id);
    }

    [Fact]
    public void A_run_on_another_node_a_little_off_the_masters_clock_is_still_joined()
    {
        // Job 6 shut web-1 down from 21:35:25.376 to 25.845; this node's clock is half a second behind.
        var job = _join.Join("e6", Run("instance-stop-post-node1-01", "web-1.lab.example"), At(25.2));

        Assert.Equal(6L, job!.Id);
    }

    [Fact]
    public void A_run_no_job_fits_says_which_opcode_target_and_time_were_looked_for()
    {
        var job = _join.Join("e9", Run("instance-migrate-pre-node1-01", "db-9.lab.example"), At(23.1));

        Assert.Null(job!.Id);
        Assert.Equal($"no job in {Path.Combine(_dir.Path, "queue")} ran OP_INSTANCE_MIGRATE on db-9.lab.example at 2026-12-01T21:35:23.1000000Z", job.NotJoined);
    }

    [Fact]
    public void The_master_ip_hooks_run_outside_any_job_and_say_so()
    {
        var job = _join.Join("eip", HookEventParser.Parse(Fixtures.Env("master-ip-turnup-post-node1-e2e01"), "node1.lab.example"), At(23.1));

        Assert.Equal("master-ip-turnup runs outside Ganeti's job queue (noded runs it when the master IP moves)", job!.NotJoined);
    }

    [Fact]
    public void A_node_without_a_copy_of_the_queue_says_so()
    {
        using var elsewhere = new TempDir();

        var job = new JobJoin(elsewhere.Path).Join("e1", Run("instance-migrate-pre-node1-01", "web-1.lab.example"), At(23.1));

        Assert.StartsWith("this node holds no copy of Ganeti's job queue", job!.NotJoined, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_gets_the_same_answer_every_time_it_is_rendered_even_after_its_job_was_archived()
    {
        var ev = Run("instance-migrate-pre-node1-01", "web-1.lab.example");
        var first = _join.Join("e4", ev, At(23.1));
        File.Delete(Path.Combine(_dir.Path, "queue", "job-4"));

        Assert.Same(first, _join.Join("e4", ev, At(23.1)));
        Assert.Equal(4L, first!.Id);
    }
}
