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
/// It follows the master by itself: when ssconf names another node, the old master reports every
/// step until that moment and stops, the new one every step after it (Ganeti replicates the
/// queue to every master candidate, so the new master has the jobs). Idle while no route asks for
/// job events or this node is not the master.
/// </summary>
public sealed class JobQueueWatcher : IDisposable
{
    private static readonly TimeSpan Rescan = TimeSpan.FromSeconds(5);
    private readonly Func<HookRelayConfig> _config;
    private readonly OwnEvents _events;
    private readonly string _ganetiDir;
    private readonly JobQueueFiles _files;

    /// <summary>Where this pass reads jobs: the queue's files, or the RAPI where they cannot be read (jobs.source).</summary>
    private IJobSource _queue;
    private RapiJobs? _rapi;
    private SinkConfig? _rapiSettings;
    private readonly AsyncSignal _changed = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private FileSystemWatcher? _inotify;
    private FileSystemWatcher? _ssconf;

    /// <summary>Jobs in the queue already told whole: nothing more happens to them, so a pass does not read them again.</summary>
    private readonly HashSet<long> _toldWhole = [];
    private string? _lastSaid;

    /// <param name="ganetiDir">Ganeti's data directory: ssconf files and queue/ (/var/lib/ganeti; HOOKRELAY_SSCONF_DIR elsewhere).</param>
    public JobQueueWatcher(Func<HookRelayConfig> config, OwnEvents events, string ganetiDir)
    {
        _config = config;
        _events = events;
        _ganetiDir = ganetiDir;
        _files = new JobQueueFiles(Path.Combine(ganetiDir, "queue"));
        _queue = _files;
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
                Pass();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException
                or Outbox.OutboxException or HttpRequestException or TimeoutException or InvalidOperationException or KeyNotFoundException)
            {
                Say($"serve: job queue {_queue.Display}: {e.Message}; trying again in {Rescan.TotalSeconds:0} s");
            }
            await _changed.WaitAsync(Rescan, stop).ConfigureAwait(false);
        }
    }

    private void Pass()
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
        WatchMasterChanges();
        _queue = SourceFor(config);
        var master = string.Equals(cluster.Master, node, StringComparison.OrdinalIgnoreCase);
        var state = JobWatchState.Load(config.StateDir, out var problem);
        if (problem is not null)
        {
            HookLog.Error($"serve: job events: {problem}");
        }
        if (master)
        {
            Watch();
            if (state is null)
            {
                state = FirstRun(config.StateDir);
                Say($"serve: watching Ganeti's job queue {_queue.Display}: {state.Reported.Count} jobs there taken as reported; every step from now on");
            }
            else if (!state.Master)
            {
                var since = MasterChangedAt();
                state = TakeOver(state, since, config.StateDir);
                Say($"serve: this node ({node}) became master at {CloudEvent.TimeText(since)}: watching Ganeti's job queue {_queue.Display}; "
                    + "steps before that were the old master's to report");
            }
            Scan(state, config.StateDir, cluster.Name, until: null);
            return;
        }
        if (state is { Master: true })
        {
            // Handing over: every step until the new master took over is this node's to report, nothing after it.
            var until = MasterChangedAt();
            Scan(state, config.StateDir, cluster.Name, until);
            state.Master = false;
            state.Save(config.StateDir);
            HookLog.Info($"serve: {cluster.Master} became master at {CloudEvent.TimeText(until)}; this node ({node}) reported every job step until then and watches the queue no more");
        }
        else if (state is null)
        {
            // Known as a node that is not the master: when it becomes one, that is a takeover, not a first run.
            new JobWatchState { Master = false, Highest = Newest(_queue.Ids()) }.Save(config.StateDir);
        }
        Say($"serve: job events come from the master ({cluster.Master}); this node ({node}) watches no queue");
    }

    /// <summary>
    /// jobs.source: the queue's files (queue), the RAPI (rapi), or the files where this process can
    /// read them and else the RAPI when one is set (auto). The RAPI client is kept while its settings are.
    /// </summary>
    private IJobSource SourceFor(HookRelayConfig config)
    {
        var jobs = config.Jobs;
        if (jobs.Source == Jobs.JobsKeys.Queue || (jobs.Source == Jobs.JobsKeys.Auto && (!jobs.HasRapi || _files.Readable())))
        {
            return _files;
        }
        if (_rapi is null || !ReferenceEquals(_rapiSettings, jobs.Settings))
        {
            _rapi?.Dispose();
            _rapi = null;
            var client = Reconcile.RapiClient.From(new Sinks.SinkSettings(jobs.Settings, subject: "jobs"))
                ?? throw new InvalidOperationException("jobs.rapi.url is not set");
            (_rapi, _rapiSettings) = (new RapiJobs(client), jobs.Settings);
        }
        return _rapi;
    }

    private long Newest(IReadOnlyList<long> ids) => Math.Max(_queue.Serial() ?? 0, ids.Count > 0 ? ids[^1] : 0);

    /// <summary>
    /// When Ganeti named the master it names now: the time it wrote ssconf_master_node on this
    /// node, which a master failover does on every node at one moment (before the old master's
    /// job daemon stops and the new one's starts). Both ends split the steps at it, each by the
    /// job files' own times: the old master reports those before it, the new one those after.
    /// </summary>
    private DateTimeOffset MasterChangedAt() => File.GetLastWriteTimeUtc(Path.Combine(_ganetiDir, "ssconf_master_node"));

    /// <summary>First run: what is in the queue already happened before HookRelay watched. From here on, every step.</summary>
    private JobWatchState FirstRun(string stateDir)
    {
        var ids = _queue.Ids();
        var state = new JobWatchState { Highest = Newest(ids) };
        foreach (var id in ids)
        {
            if (Read(id) is { } job)
            {
                state.Reported[id] = JobStep.Of(job).Count;
            }
        }
        state.Save(stateDir);
        return state;
    }

    /// <summary>
    /// Becomes the master that reports: every step before <paramref name="since"/> counts as
    /// reported (by the old master), every later one is this node's,
    /// in the jobs there now and in those it sees later (a job file the old master wrote just
    /// before the failover may reach this node's copy a moment after). Jobs archived meanwhile
    /// ended long before: nothing of them is this node's.
    /// </summary>
    private JobWatchState TakeOver(JobWatchState state, DateTimeOffset since, string stateDir)
    {
        state.Reported.Clear();
        _toldWhole.Clear();
        state.Since = since;
        state.Highest = Newest(_queue.Ids());
        state.Master = true;
        state.Save(stateDir);
        return state;
    }

    /// <summary>
    /// One pass over the queue: every step not reported yet (before <paramref name="until"/>, when
    /// handing over), reported; the state saved after each job that changed.
    /// </summary>
    private void Scan(JobWatchState state, string stateDir, string cluster, DateTimeOffset? until)
    {
        var ids = _queue.Ids();
        var newest = Newest(ids);
        // The jobs to look at: those in the queue, those reported but unfinished (archived meanwhile?), those given since the last pass.
        var candidates = new SortedSet<long>(ids);
        candidates.UnionWith(state.Reported.Keys);
        for (var id = state.Highest + 1; id <= newest; id++)
        {
            candidates.Add(id);
        }
        var inQueue = ids.ToHashSet();
        _toldWhole.IntersectWith(inQueue);
        var dirty = false;
        IReadOnlyList<JobHookRun>? hookRuns = null;
        foreach (var id in candidates)
        {
            if (_toldWhole.Contains(id))
            {
                continue;
            }
            var job = Read(id);
            if (job is null)
            {
                dirty |= state.Reported.Remove(id); // neither in the queue nor archived: gone
                continue;
            }
            var steps = JobStep.Of(job);
            // Job steps are in time order: those before this node began reporting are a prefix.
            var known = state.Reported.TryGetValue(id, out var done);
            if (!known)
            {
                done = steps.Count(step => step.At < state.Since);
            }
            var index = done;
            for (; index < steps.Count && (until is null || steps[index].At < until); index++)
            {
                hookRuns ??= JobHookRuns.Recent(stateDir);
                var cloudEvent = JobEvent.Compose(cluster, job, index, steps[index], EventStamp.Current, hookRuns);
                _events.Publish(cloudEvent, JobEvent.SubjectOf(cluster, job));
            }
            var whole = index == steps.Count && JobStep.IsFinal(job.Status);
            var archived = whole && !inQueue.Contains(id);
            if (archived)
            {
                state.Reported.Remove(id); // archived and told whole: nothing more will happen to it
            }
            else
            {
                state.Reported[id] = index;
                if (whole)
                {
                    _toldWhole.Add(id);
                }
            }
            var higher = id > state.Highest;
            state.Highest = Math.Max(state.Highest, id);
            if (index != done)
            {
                // Saved after each job with steps reported: a crash repeats at most one job's steps, with the same event ids (the outbox keeps each id once).
                state.Save(stateDir);
                dirty = false;
            }
            else
            {
                dirty |= archived == known || higher;
            }
        }
        if (dirty)
        {
            state.Save(stateDir);
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
            Say($"serve: job {id} in {_queue.Display} unreadable ({e.Message}); read again on the next pass");
            return null;
        }
    }

    /// <summary>inotify on ssconf_master_node: a master failover wakes a pass at once, on the old master and the new.</summary>
    private void WatchMasterChanges()
    {
        if (_ssconf is not null)
        {
            return;
        }
        _ssconf = WakeOnChange(_ganetiDir, "ssconf_master_node");
    }

    /// <summary>inotify on the queue directory, once it exists: a change wakes the next pass at once.</summary>
    private void Watch()
    {
        if (_inotify is not null || _queue != _files || !Directory.Exists(_files.Directory))
        {
            return;
        }
        _inotify = WakeOnChange(_files.Directory, "job-*");
    }

    /// <summary>inotify on the files <paramref name="filter"/> names: one written, or (as Ganeti writes them) renamed into place, wakes a pass.</summary>
    private FileSystemWatcher WakeOnChange(string directory, string filter)
    {
        var watcher = new FileSystemWatcher(directory, filter) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite };
        watcher.Created += (_, _) => _changed.Raise();
        watcher.Changed += (_, _) => _changed.Raise();
        watcher.Renamed += (_, _) => _changed.Raise();
        watcher.EnableRaisingEvents = true;
        return watcher;
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
        _ssconf?.Dispose();
        _rapi?.Dispose();
        _stop.Dispose();
    }
}
