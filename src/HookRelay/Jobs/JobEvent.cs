using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json.Nodes;
using HookRelay.Delivery;
using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Jobs;

/// <summary>
/// A job's step as a CloudEvent: type org.ganeti.job.STEP (queued, started, opcode-started,
/// opcode-finished, success, error, canceled), time the step's own (from the job file), subject
/// what the job is about (its first opcode's instance, node, group or network; else "job N"),
/// data.hookrelay {kind: "job", step, opcode}, data.job (id, status, summary, times, duration,
/// error, opcodes with targets, statuses, errors and reason trails). Its id is derived from the
/// cluster, the job id and the step, so the same step reported twice is the same event.
/// </summary>
public static class JobEvent
{
    public const string TypePrefix = "org.ganeti.job.";

    /// <param name="hookRuns">This node's journaled hook runs: each ended opcode lists those it caused.</param>
    public static byte[] Compose(string cluster, GanetiJob job, int stepIndex, JobStep step, EventStamp? stamp, IReadOnlyList<JobHookRun>? hookRuns = null)
    {
        var subject = SubjectOf(cluster, job);
        var first = job.Opcodes.Count > 0 ? job.Opcodes[0] : null;
        var fields = new JsonObject
        {
            ["target"] = subject,
            ["op_code"] = first?.OpId,
            ["job"] = Describe(job, hookRuns ?? []),
        };
        // What matchers and templates read of a hook event's instance, for a job about one.
        if (first is { Target: { } instance } && first.OpId.StartsWith("OP_INSTANCE_", StringComparison.Ordinal))
        {
            fields["instance"] = new JsonObject { ["name"] = instance };
        }
        var said = new JsonObject
        {
            [EventFields.KindName] = EventFields.JobKind,
            ["step"] = step.Name,
            ["opcode"] = step.Opcode,
        };
        return OwnEvent.ComposeFor(cluster, subject, TypePrefix + step.Name, said, step.At, stamp, IdOf(cluster, job.Id, stepIndex), fields);
    }

    /// <summary>What the job is about: its first opcode's object; the cluster for a cluster opcode without one (verify); else "job N".</summary>
    public static string SubjectOf(string cluster, GanetiJob job) =>
        job.Opcodes.Count == 0 ? $"job {job.Id.ToString(CultureInfo.InvariantCulture)}"
        : job.Opcodes[0].Target is { } target ? target
        : job.Opcodes[0].OpId.StartsWith("OP_CLUSTER_", StringComparison.Ordinal) ? cluster
        : $"job {job.Id.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The job as gnt-job list sums it up: INSTANCE_MIGRATE(web-1.example.org), its opcodes' one after the other.</summary>
    public static string SummaryOf(GanetiJob job) => string.Join(", ", job.Opcodes.Select(SummaryOf));

    /// <summary>One opcode as gnt-job list sums it up: INSTANCE_MIGRATE(web-1.example.org).</summary>
    public static string SummaryOf(JobOpcode op)
    {
        var name = op.OpId.StartsWith("OP_", StringComparison.Ordinal) ? op.OpId[3..] : op.OpId;
        return op.Target is null ? name : $"{name}({op.Target})";
    }

    private static JsonObject Describe(GanetiJob job, IReadOnlyList<JobHookRun> hookRuns)
    {
        var opcodes = new JsonArray();
        for (var index = 0; index < job.Opcodes.Count; index++)
        {
            var op = job.Opcodes[index];
            opcodes.Add((JsonNode)new JsonObject
            {
                ["index"] = index,
                ["op_id"] = op.OpId,
                ["target"] = op.Target,
                ["status"] = op.Status,
                ["started"] = Time(op.Started),
                ["ended"] = Time(op.Ended),
                ["error"] = op.Error,
                ["reason"] = new JsonArray([.. op.Reason.Select(r => (JsonNode)new JsonObject
                {
                    ["source"] = r.Source,
                    ["text"] = r.Text,
                    ["at"] = CloudEvent.TimeText(r.At),
                })]),
            });
            if (JobStep.IsFinal(op.Status))
            {
                // Once it ended every hook it caused has run: the pre and post runs, denials included.
                opcodes[^1]!["hook_runs"] = new JsonArray([.. JobHookRuns.Of(op, hookRuns).Select(run => (JsonNode)new JsonObject
                {
                    ["hook"] = run.Hook,
                    ["phase"] = run.Phase,
                    ["node"] = run.Node,
                    ["at"] = CloudEvent.TimeText(run.At),
                    ["result"] = run.Result,
                    ["event_id"] = run.EventId,
                })]);
            }
        }
        return new JsonObject
        {
            ["id"] = job.Id,
            ["status"] = job.Status,
            ["summary"] = SummaryOf(job),
            ["received"] = Time(job.Received),
            ["started"] = Time(job.Started),
            ["ended"] = Time(job.Ended),
            ["duration_ms"] = job.Started is { } s && job.Ended is { } e ? (long)(e - s).TotalMilliseconds : null,
            ["error"] = job.Opcodes.Select(o => o.Error).FirstOrDefault(error => error is not null),
            // Who asked and how: the first opcode's trail (gnt:client:gnt-instance, gnt:user, rapi…).
            ["reason"] = job.Opcodes.Count > 0 ? new JsonArray([.. job.Opcodes[0].Reason.Select(r => (JsonNode)r.Line)]) : new JsonArray(),
            ["opcodes"] = opcodes,
        };
    }

    private static string? Time(DateTimeOffset? at) => at is { } time ? CloudEvent.TimeText(time) : null;

    /// <summary>One id per cluster, job and step: XxHash128 of the three, as a GUID.</summary>
    public static Guid IdOf(string cluster, long jobId, int stepIndex) =>
        new(XxHash128.Hash(Encoding.UTF8.GetBytes($"{cluster}\n{jobId.ToString(CultureInfo.InvariantCulture)}\n{stepIndex.ToString(CultureInfo.InvariantCulture)}")));
}
