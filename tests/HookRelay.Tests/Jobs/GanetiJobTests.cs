using HookRelay.Jobs;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Jobs;

/// <summary>
/// Job files captured from the real two-node lab cluster (Fixtures/jobs, with `gnt-job list` of the
/// same moment): a create, a live migration, a create a HookRelay gate refused, migrations that
/// failed inside Ganeti, a start with a reason, a canceled job, cluster verify's three jobs.
/// </summary>
public sealed class GanetiJobTests
{
    private static readonly string Dir = Fixtures.Dir("jobs");

    private static GanetiJob Job(string name) => GanetiJob.Parse(File.ReadAllBytes(Path.Combine(Dir, name + ".json")));

    public static TheoryData<string> Listed() =>
        [.. File.ReadAllLines(Path.Combine(Dir, "gnt-job-list.txt")).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])];

    [Theory]
    [MemberData(nameof(Listed))]
    public void Each_job_reads_as_gnt_job_list_shows_it(string id)
    {
        var line = File.ReadAllLines(Path.Combine(Dir, "gnt-job-list.txt")).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(columns => columns[0] == id);
        var job = Job($"job-{id}");
        Assert.Equal(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), job.Id);
        Assert.Equal(line[1], job.Status);
        // Ganeti's summary names the opcode and its object; a delay's names its length instead.
        if (job.Opcodes[0].OpId != "OP_TEST_DELAY")
        {
            Assert.Equal(line[2], JobEvent.SummaryOf(job.Opcodes[0]));
        }
    }

    [Fact]
    public void A_job_a_gate_refused_says_which_hook_and_what_it_printed()
    {
        var job = Job("job-5");
        Assert.Equal("error", job.Status);
        Assert.Equal("tmp-1.lab.example", job.Opcodes[0].Target);
        Assert.Equal("HooksAbort: instance-add-pre.d/hookrelay: hookrelay: denied by gate 'naming': instance name 'tmp-1.lab.example' does not match "
            + @"^(web|db)-[0-9]+\.lab\.example$", job.Opcodes[0].Error);
    }

    [Fact]
    public void A_failed_migration_carries_ganetis_error_and_its_times()
    {
        var job = Job("job-8");
        Assert.Equal("OpPrereqError: Can't migrate, please use failover: Instance web-1.lab.example is not running", job.Opcodes[0].Error);
        Assert.Equal("OP_INSTANCE_MIGRATE", job.Opcodes[0].OpId);
        Assert.True(job.Received < job.Started && job.Started < job.Ended);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1796160927).AddTicks(614637 * 10), job.Started);
    }

    [Fact]
    public void The_reason_trail_keeps_who_asked_and_why()
    {
        var reason = Job("job-9").Opcodes[0].Reason;
        Assert.Equal(["gnt:user", "gnt:client:gnt-instance", "gnt:opcode:instance_startup"], reason.Select(r => r.Source));
        Assert.Equal("after maintenance, ticket OPS-12", reason[0].Text);
        Assert.Equal(2026, reason[0].At.Year);
    }

    [Fact]
    public void A_canceled_job_and_an_archived_one_read_alike()
    {
        var canceled = Job("job-11");
        Assert.Equal("canceled", canceled.Status);
        Assert.Null(canceled.Opcodes[0].Ended);
        Assert.Null(canceled.Opcodes[0].Error);
        var archived = Job("archived-job-1");
        Assert.Equal(1, archived.Id);
        Assert.Equal("success", archived.Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"id\": 3}")]
    [InlineData("[1, 2]")]
    [InlineData("{\"id\": \"x\", \"ops\": []}")]
    public void What_is_not_a_job_file_is_refused_with_a_reason(string text)
    {
        var e = Assert.Throws<FormatException>(() => GanetiJob.Parse(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.NotEmpty(e.Message);
    }
}
