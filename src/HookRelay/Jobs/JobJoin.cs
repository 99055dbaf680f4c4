using System.Collections.Concurrent;
using HookRelay.Events;

namespace HookRelay.Jobs;

/// <summary>
/// Finds the Ganeti job that ran a hook, in this node's copy of the job queue (the master's, and
/// every master candidate's: Ganeti replicates it to them): the job with an opcode of the hook's
/// OP_CODE that was running when the hook ran, its target the hook's where both name one. Looked
/// up when the daemon renders the event; the answer is kept per event, so every sink and every
/// retry gets the same one. Where no job fits, the event says why instead.
/// </summary>
public sealed class JobJoin(string ganetiDir) : IJobJoin
{
    /// <summary>How far back a hook's job is looked for: newest jobs first, and a job waits for its locks at most so long.</summary>
    private const int MostJobsRead = 300;

    /// <summary>Ganeti's opcodes for runs noded starts by itself, outside any job.</summary>
    private static readonly string[] WithoutJob = ["OP_CLUSTER_IP_TURNUP", "OP_CLUSTER_IP_TURNDOWN"];

    private readonly JobQueueFiles _queue = new(Path.Combine(ganetiDir, "queue"));
    private readonly ConcurrentDictionary<string, JobLink> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, (DateTime Written, GanetiJob Job)> _jobs = new();

    /// <summary>The join where this node is a Ganeti node (its ssconf readable); elsewhere none, and events carry no data.job.</summary>
    public static JobJoin? For(string ganetiDir) => Cli.LocalCluster.Read(ganetiDir) is null ? null : new JobJoin(ganetiDir);

    public JobLink? Join(string eventId, HookEvent ev, DateTimeOffset ranAt)
    {
        if (_answers.TryGetValue(eventId, out var known))
        {
            return known;
        }
        var answer = Find(ev, ranAt);
        if (_answers.Count > 50_000)
        {
            _answers.Clear(); // bounded: a backlog that large is rendered again at most once more
        }
        return _answers.GetOrAdd(eventId, answer);
    }

    private JobLink Find(HookEvent ev, DateTimeOffset ranAt)
    {
        if (ev.OpCode is not { Length: > 0 } opCode)
        {
            return JobLink.Unjoined("Ganeti gave this hook run no GANETI_OP_CODE");
        }
        if (WithoutJob.Contains(opCode, StringComparer.Ordinal))
        {
            return JobLink.Unjoined($"{ev.Hook} runs outside Ganeti's job queue (noded runs it when the master IP moves)");
        }
        if (!Directory.Exists(_queue.Directory))
        {
            return JobLink.Unjoined($"this node holds no copy of Ganeti's job queue ({_queue.Directory}): only the master and the master candidates do");
        }
        IReadOnlyList<long> ids;
        try
        {
            ids = Listing();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return JobLink.Unjoined($"cannot read Ganeti's job queue {_queue.Directory}: {e.Message}");
        }
        var running = new List<(GanetiJob Job, int Op)>();
        var nearly = new List<(GanetiJob Job, int Op)>();
        for (var i = ids.Count - 1; i >= 0 && i >= ids.Count - MostJobsRead; i--)
        {
            if (Read(ids[i]) is not { } job || job.Received > ranAt + JobOpcode.ClockSlack)
            {
                continue;
            }
            if (running.Count + nearly.Count > 0 && job.Ended < ranAt - TimeSpan.FromHours(1))
            {
                break; // older jobs ended long before this run: the one found is the one
            }
            for (var op = 0; op < job.Opcodes.Count; op++)
            {
                var opcode = job.Opcodes[op];
                if (opcode.OpId != opCode || !SameTarget(opcode.Target, ev.Target))
                {
                    continue;
                }
                if (opcode.RanAt(ranAt))
                {
                    running.Add((job, op));
                }
                else if (opcode.RanAt(ranAt, JobOpcode.ClockSlack))
                {
                    nearly.Add((job, op));
                }
            }
        }
        var found = running.Count > 0 ? running : nearly;
        var what = $"{opCode}{(ev.Target is null ? "" : $" on {ev.Target}")} at {CloudEvent.TimeText(ranAt)}";
        return found.Count switch
        {
            1 => Link(found[0].Job, found[0].Op),
            0 => JobLink.Unjoined($"no job in {_queue.Directory} ran {what}"),
            _ => JobLink.Unjoined($"{found.Count} jobs ran {what} (jobs {string.Join(", ", found.Select(f => f.Job.Id))}); which one ran this hook cannot be told"),
        };
    }

    private static JobLink Link(GanetiJob job, int op) => JobLink.Joined(job.Id, op, JobEvent.SummaryOf(job), [.. job.Opcodes[op].Reason.Select(r => r.Line)]);

    /// <summary>
    /// Whether an opcode's object may be the hook's: the same name, or one the short form of the
    /// other (what the operator typed may be short); an opcode naming it by UUID cannot be told apart.
    /// </summary>
    internal static bool SameTarget(string? opTarget, string? hookTarget)
    {
        if (opTarget is null || hookTarget is null || Guid.TryParse(opTarget, out _))
        {
            return true;
        }
        return string.Equals(opTarget, hookTarget, StringComparison.OrdinalIgnoreCase)
            || hookTarget.StartsWith(opTarget + ".", StringComparison.OrdinalIgnoreCase)
            || opTarget.StartsWith(hookTarget + ".", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The queue's job ids, listed at most twice a second: a backlog renders many events at once.</summary>
    private IReadOnlyList<long> Listing()
    {
        if (_listing is { } listed && Environment.TickCount64 - listed.At < 500)
        {
            return listed.Ids;
        }
        var ids = _queue.Ids();
        _listing = new Listed(Environment.TickCount64, ids);
        return ids;
    }

    /// <summary>Replaced whole (one reference): delivery workers render at once.</summary>
    private sealed record Listed(long At, IReadOnlyList<long> Ids);

    private Listed? _listing;

    /// <summary>A job file parsed once per version of it: a running job's file changes, a finished one's no more (it is only archived).</summary>
    private GanetiJob? Read(long id)
    {
        if (_jobs.TryGetValue(id, out var final) && JobStep.IsFinal(final.Job.Status))
        {
            return final.Job;
        }
        var written = File.GetLastWriteTimeUtc(_queue.PathOf(id));
        if (_jobs.TryGetValue(id, out var cached) && cached.Written == written)
        {
            return cached.Job;
        }
        try
        {
            if (_queue.Read(id) is not { } job)
            {
                return null;
            }
            if (_jobs.Count > 2 * MostJobsRead)
            {
                _jobs.Clear();
            }
            _jobs[id] = (written, job);
            return job;
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            return null; // replaced whole by rename: one that does not parse is not a job (yet)
        }
    }
}
