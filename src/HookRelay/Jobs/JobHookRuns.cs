using System.Globalization;
using System.Text.Json;
using HookRelay.Events;

namespace HookRelay.Jobs;

/// <summary>One hook run an opcode caused, as this node's run journal recorded it.</summary>
/// <param name="EventId">The event the run queued; null when it queued none.</param>
public sealed record JobHookRun(string Hook, string Phase, string Node, string? Target, DateTimeOffset At, string Result, string? EventId);

/// <summary>
/// The hook runs a job's opcode caused on this node (the master, where Ganeti runs nearly every
/// hook), from state_dir/hook-runs.jsonl: runs of a hooks path that opcode fires, about its
/// target, while it ran. Runs on other nodes are in their journals; their events carry the job
/// (<see cref="JobJoin"/>).
/// </summary>
public static class JobHookRuns
{
    /// <summary>The journal's recent runs, enough for the jobs of one pass.</summary>
    public static IReadOnlyList<JobHookRun> Recent(string stateDir) =>
        [.. Hook.RunJournal.Recent(stateDir, 2000).Select(Read).OfType<JobHookRun>()];

    /// <remarks>Runs are journaled when they end, on a clock that may be a little off the master's.</remarks>
    public static IReadOnlyList<JobHookRun> Of(JobOpcode op, IReadOnlyList<JobHookRun> journal) =>
        [.. journal.Where(run => op.RanAt(run.At, JobOpcode.ClockSlack) && JobJoin.SameTarget(op.Target, run.Target)
            && HooksCatalog.Find(run.Hook)?.OpCodes.Contains(op.OpId, StringComparer.Ordinal) == true)];

    private static JobHookRun? Read(JsonElement line)
    {
        string? Text(string name) => line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (Text("time") is not { } time || !DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            || Text("hook") is not { } hook || Text("phase") is not { } phase)
        {
            return null;
        }
        return new JobHookRun(hook, phase, Text("node") ?? "", Text("target"), at, Text("result") ?? "", Text("event"));
    }
}
