namespace HookRelay.Jobs;

/// <summary>
/// One thing that happened to a job, in the order it happens: queued, started, each opcode's
/// start and end, and its end (success, error, canceled). A job's steps only ever grow as it
/// runs, so "how many were reported" is all a watcher keeps to report each step once.
/// </summary>
/// <param name="Name">queued, started, opcode-started, opcode-finished, success, error, canceled.</param>
/// <param name="Opcode">The opcode's index for opcode steps; null for the job's own.</param>
/// <param name="At">When, from the job file's own timestamps (when the watcher saw it does not matter).</param>
public sealed record JobStep(string Name, int? Opcode, DateTimeOffset At)
{
    public const string Queued = "queued";
    public const string Started = "started";
    public const string OpcodeStarted = "opcode-started";
    public const string OpcodeFinished = "opcode-finished";

    /// <summary>The job's final statuses: the step that ends it is named after it.</summary>
    public static bool IsFinal(string status) => status is "success" or "error" or "canceled";

    /// <summary>Every step the job has reached so far, oldest first.</summary>
    public static IReadOnlyList<JobStep> Of(GanetiJob job)
    {
        var steps = new List<JobStep>();
        var received = job.Received ?? job.Started ?? job.Ended ?? DateTimeOffset.UnixEpoch;
        steps.Add(new JobStep(Queued, null, received));
        if (job.Started is { } started)
        {
            steps.Add(new JobStep(Started, null, started));
        }
        var final = IsFinal(job.Status);
        for (var index = 0; index < job.Opcodes.Count; index++)
        {
            var op = job.Opcodes[index];
            if (op.Started is { } opStarted)
            {
                steps.Add(new JobStep(OpcodeStarted, index, opStarted));
            }
            // An opcode a cancel or an earlier error stopped has no end time of its own: the job's end is its end.
            if (IsFinal(op.Status) && (op.Started is not null || op.Status == "success"))
            {
                steps.Add(new JobStep(OpcodeFinished, index, op.Ended ?? job.Ended ?? op.Started ?? received));
            }
            else if (!IsFinal(op.Status))
            {
                break; // later opcodes have not begun
            }
        }
        if (final)
        {
            steps.Add(new JobStep(job.Status, null, job.Ended ?? steps[^1].At));
        }
        return steps;
    }
}
