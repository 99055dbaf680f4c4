using HookRelay.Jobs;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Jobs;

/// <summary>
/// Jobs read through Ganeti's RAPI (/2/jobs/ID, captured from the lab's ganeti-rapi with the job
/// file of the same job beside it) come out as the job file does: the same steps, statuses,
/// errors and reasons; only the opcodes' times, which the RAPI does not give, are the job's.
/// </summary>
public sealed class RapiJobsTests
{
    private static GanetiJob FromFile(long id) => GanetiJob.Parse(File.ReadAllBytes(Fixtures.Dir("jobs", "rapi", $"job-{id}.json")));

    private static GanetiJob FromRapi(long id)
    {
        using var answer = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Fixtures.Dir("jobs", "rapi", $"rapi-job-{id}.json")));
        return GanetiJob.Parse(System.Text.Encoding.UTF8.GetBytes(RapiJobs.AsJobFile(answer.RootElement).ToJsonString()));
    }

    [Theory]
    [InlineData(3)]   // TEST_DELAY, success
    [InlineData(4)]   // INSTANCE_CREATE, success
    [InlineData(6)]   // INSTANCE_MIGRATE of a stopped instance, error
    [InlineData(10)]  // TEST_DELAY canceled while it waited for its lock
    public void A_job_read_through_the_rapi_has_the_steps_status_error_and_reason_its_file_has(long id)
    {
        var file = FromFile(id);
        var rapi = FromRapi(id);

        Assert.Equal(JobStep.Of(file).Select(s => s.Name), JobStep.Of(rapi).Select(s => s.Name));
        Assert.Equal((file.Id, file.Status, file.Received, file.Started, file.Ended), (rapi.Id, rapi.Status, rapi.Received, rapi.Started, rapi.Ended));
        Assert.Equal(file.Opcodes.Select(o => (o.OpId, o.Target, o.Status, o.Error)), rapi.Opcodes.Select(o => (o.OpId, o.Target, o.Status, o.Error)));
        Assert.Equal(file.Opcodes.SelectMany(o => o.Reason), rapi.Opcodes.SelectMany(o => o.Reason));
        var times = JobStep.Of(rapi).Select(s => s.At).ToList();
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public void A_failed_jobs_error_reads_as_from_its_file()
    {
        Assert.Equal("OpPrereqError: Can't migrate, please use failover: Instance web-1.lab.example is not running", FromRapi(6).Opcodes[0].Error);
    }
}
