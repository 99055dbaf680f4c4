using HookRelay.Cli;
using HookRelay.Delivery;
using HookRelay.Events;
using HookRelay.Logging;
using HookRelay.Rules;

namespace HookRelay.Jobs;

/// <summary>
/// Job events (kind="job") from Ganeti's job queue, by `hookrelay serve` on the master only: each
/// step of each job (<see cref="JobStep"/>) once, in order, through the outbox to the routes that
/// ask for kind="job". It looks when the queue directory changes (inotify) and every few seconds
/// regardless (a missed notification costs a few seconds, never an event). What it reported is in
/// <see cref="JobWatchState"/>: after a restart it reports what happened meanwhile, jobs archived
/// meanwhile included. The first time it runs it reports nothing of the jobs already there.
/// Idle while no route asks for job events or this node is not the master.
/// </summary>
public sealed class JobQueueWatcher : IDisposable
{
    private static readonly TimeSpan Rescan = TimeSpan.FromSeconds(5);
    private readonly Func<HookRelayConfig> _config;
    private readonly OwnEvents _events;
    private readonly string _ganetiDir;
    private readonly JobQueueFiles _queue;
    private readonly AsyncSignal _changed = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private FileSystemWatcher? _inotify;

    /// <summary>Jobs in the queue already told whole: nothing more happens to them, so a pass does not read them again.</summary>
    private readonly HashSet<long> _toldWhole = [];
    private string? _lastSaid;

    /// <param name="ganetiDir">Ganeti's data directory: ssconf files and queue/ (/var/lib/ganeti; HOOKRELAY_SSCONF_DIR elsewhere).</param>
    public JobQueueWatcher(Func<HookRelayConfig> config, OwnEvents events, string ganetiDir)
    {
        _config = config;
        _events = events;
        _ganetiDir = ganetiDir;
        _queue = new JobQueueFiles(Path.Combine(ganetiDir, "queue"));
        _running = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Whether some route takes job events: otherwise the queue is not read at all.</summary>
    public static bool Wanted(HookRelayConfig config) =>
        config.Routes.Any(r => r.Matchers.Any(m => m.Name == EventFields.KindName && m.Matches([EventFields.JobKind])));

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                ScanIfMaster();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException
                or Outbox.OutboxException)
            {
                Say($"serve: job queue {_queue.Directory}: {e.Message}; trying again in {Rescan.TotalSeconds:0} s");
            }
            await _changed.WaitAsync(Rescan, stop).ConfigureAwait(false);
        }
    }

    private void ScanIfMaster()
    {
        var config = _config();
        if (!Wanted(config))
        {
            return;
        }
        var node = NodeNames.Local(config.NodeName);
        if (LocalCluster.Read(_ganetiDir) is not { } cluster)
        {
            Say($"serve: no job events: {_ganetiDir} holds no ssconf files (not a Ganeti node?)");
            return;
        }
        if (!string.Equals(cluster.Master, node, StringComparison.OrdinalIgnoreCase))
        {
            Say($"serve: job events come from the master ({cluster.Master}); this node ({node}) watches no queue");
            return;
        }
        Watch();
        Scan(config.StateDir, cluster.Name);
    }

    /// <summary>One pass over the queue: every step not reported yet, reported; the state saved.</summary>
    internal void Scan(string stateDir, string cluster)
    {
        var state = JobWatchState.Load(stateDir, out var problem);
        if (problem is not null)
        {
            HookLog.Error($"serve: job events: {problem}");
        }
        var ids = _queue.Ids();
        if (state is null)
        {
            // First run: what is there already happened before HookRelay watched. From here on, every step.
            state = new JobWatchState { Highest = Math.Max(_queue.Serial() ?? 0, ids.Count > 0 ? ids[^1] : 0) };
            foreach (var id in ids)
            {
                if (Read(id) is { } job)
                {
                    state.Reported[id] = JobStep.Of(job).Count;
                }
            }
            state.Save(stateDir);
            Say($"serve: watching Ganeti's job queue {_queue.Directory}: {ids.Count} jobs there taken as reported; every step from now on");
            return;
        }
        var newest = Math.Max(_queue.Serial() ?? 0, ids.Count > 0 ? ids[^1] : 0);
        // The jobs to look at: those in the queue, those reported but unfinished (archived meanwhile?), those given since the last pass.
        var candidates = new SortedSet<long>(ids);
        candidates.UnionWith(state.Reported.Keys);
        for (var id = state.Highest + 1; id <= newest; id++)
        {
            candidates.Add(id);
        }
        var inQueue = ids.ToHashSet();
        _toldWhole.IntersectWith(inQueue);
        foreach (var id in candidates)
        {
            if (_toldWhole.Contains(id))
            {
                continue;
            }
            var job = Read(id);
            if (job is null)
            {
                if (state.Reported.Remove(id))
                {
                    state.Save(stateDir); // neither in the queue nor archived: gone
                }
                continue;
            }
            var steps = JobStep.Of(job);
            var known = state.Reported.TryGetValue(id, out var done);
            for (var index = done; index < steps.Count; index++)
            {
                var cloudEvent = JobEvent.Compose(cluster, job, index, steps[index], EventStamp.Current);
                _events.Publish(cloudEvent, JobEvent.SubjectOf(cluster, job));
            }
            var archived = JobStep.IsFinal(job.Status) && !inQueue.Contains(id);
            if (archived)
            {
                state.Reported.Remove(id); // archived and told whole: nothing more will happen to it
            }
            else
            {
                state.Reported[id] = steps.Count;
                if (JobStep.IsFinal(job.Status))
                {
                    _toldWhole.Add(id);
                }
            }
            if (archived == known || steps.Count != done || id > state.Highest)
            {
                state.Highest = Math.Max(state.Highest, id);
                // Saved after each job that changed: a crash repeats at most one job's steps, with the same event ids.
                state.Save(stateDir);
            }
        }
    }

    private GanetiJob? Read(long id)
    {
        try
        {
            return _queue.Read(id);
        }
        catch (FormatException e)
        {
            // Ganeti replaces job files whole, by rename; a file that does not parse is not a job (yet).
            Say($"serve: job {id} in {_queue.Directory} unreadable ({e.Message}); read again on the next pass");
            return null;
        }
    }

    /// <summary>inotify on the queue directory, once it exists: a change wakes the next pass at once.</summary>
    private void Watch()
    {
        if (_inotify is not null || !Directory.Exists(_queue.Directory))
        {
            return;
        }
        _inotify = new FileSystemWatcher(_queue.Directory, "job-*") { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite };
        _inotify.Created += (_, _) => _changed.Raise();
        _inotify.Changed += (_, _) => _changed.Raise();
        _inotify.Renamed += (_, _) => _changed.Raise();
        _inotify.EnableRaisingEvents = true;
    }

    /// <summary>A state worth a line in the log, said once until it changes.</summary>
    private void Say(string line)
    {
        if (line != _lastSaid)
        {
            _lastSaid = line;
            HookLog.Info(line);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _running.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _inotify?.Dispose();
        _stop.Dispose();
    }
}
