using System.CommandLine;
using HookRelay.Delivery;
using HookRelay.Outbox;
using HookRelay.Rules;

namespace HookRelay.Cli;

/// <summary>`hookrelay status [--json]`: is anyone delivering, how deep is the queue, how is each sink doing.</summary>
public static class StatusCommand
{
    public static Command Create(Option<string> configOption)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("status", "Show the delivery daemon, the queue (depth, oldest age, dead letters), each sink's and node action's health, and this node's last hook and action runs") { json };
        command.SetAction(result => Run(result.GetValue(configOption)!, result.GetValue(json), Console.Out, Console.Error));
        return command;
    }

    /// <summary>Which configuration the hooks of this node run with: the file, or while it is broken, its last good copy.</summary>
    private static string Describe(string path, LastGoodConfig.InForce inForce) => inForce.FileError is not { } broken
        ? $"{path} (sha256 {inForce.Config.Hash[..12]})"
        : $"{path} is UNUSABLE ({broken.Message}); hooks run with the last good copy {inForce.LastGood!.CopyPath} (sha256 {inForce.Config.Hash[..12]}, saved {inForce.LastGood.SavedUtc:yyyy-MM-dd HH:mm:ss}Z)";

    public static int Run(string configPath, bool asJson, TextWriter output, TextWriter err)
    {
        if (ConfigOption.LoadInForceOrReport(configPath, err) is not { } inForce)
        {
            return ExitCodes.Failed;
        }
        var config = inForce.Config;
        var holder = ServeLock.Holder(config.StateDir);
        var admin = OutboxCli.OpenAdmin(config, err, out var connection);
        using (connection)
        {
            var now = DeliveryDaemon.NowMs();
            var byName = (admin?.Status() ?? []).ToDictionary(s => s.Sink, StringComparer.Ordinal);
            // Configured sinks with no rows yet are listed too, and sinks no longer configured still show their rows.
            var sinks = config.Sinks.Keys.Union(RunnableActions(config)).Union(byName.Keys).Order(StringComparer.Ordinal)
                .Select(name => byName.GetValueOrDefault(name) ?? new SinkStatus(name, 0, 0, 0, 0, null, null)).ToList();
            var oldest = sinks.Where(s => s.OldestPendingMs is not null).Select(s => s.OldestPendingMs!.Value).DefaultIfEmpty().Min();
            var view = new View(config, holder, Running(config, holder), admin?.SizeBytes ?? 0, admin?.DeliveredKept() ?? 0, sinks, oldest, now);
            if (asJson)
            {
                OutboxCli.WriteJson(writer => WriteJson(writer, configPath, inForce, view));
            }
            else
            {
                output.WriteLine($"config: {Describe(configPath, inForce)}");
                WriteTable(output, view);
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>What status shows, gathered once for the table and the JSON.</summary>
    private sealed record View(HookRelayConfig Config, string? Holder, DaemonStatusFile.Contents? Daemon, long SizeBytes, long DeliveredKept,
        List<SinkStatus> Sinks, long OldestPendingMs, long NowMs)
    {
        public DaemonStatusFile.Sink? DaemonSide(string sink) => Daemon?.Sinks.GetValueOrDefault(sink);

        public string Health(SinkStatus s) =>
            SinkStatusJson.Health(s, Config.Sinks.ContainsKey(s.Sink) || RunnableActions(Config).Contains(s.Sink), DaemonSide(s.Sink), NowMs);
    }

    /// <summary>The actions this node's daemon runs, by the destination their rows name ("action:disk_resize").</summary>
    private static IEnumerable<string> RunnableActions(HookRelayConfig config) =>
        Actions.ActionTypes.Runnable(config).Select(a => ActionDestination.For(a.Action.Name));

    /// <summary>The running daemon's own numbers: "serve 1234" holds the lock and wrote them.</summary>
    private static DaemonStatusFile.Contents? Running(HookRelayConfig config, string? holder) =>
        holder?.Split(' ') is [_, var pid] && int.TryParse(pid, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? DaemonStatusFile.Read(config.StateDir, id)
            : null;

    private static string DaemonText(HookRelayConfig config, string? holder) => holder switch
    {
        null => config.Delivery.WithoutDaemon == WithoutDaemon.Spawn
            ? "not running (hooks start a one-shot drainer: delivery.without_daemon is spawn)"
            : "not running (delivery.without_daemon is keep: events wait for 'hookrelay serve')",
        _ when holder.StartsWith("drain", StringComparison.Ordinal) => $"a one-shot drainer is delivering ({holder})",
        _ => $"running ({holder})",
    };

    private static void WriteTable(TextWriter output, View view)
    {
        var (config, sinks, now) = (view.Config, view.Sinks, view.NowMs);
        var pending = sinks.Sum(s => s.Pending);
        output.WriteLine($"daemon: {DaemonText(config, view.Holder)}");
        output.WriteLine($"outbox: {OutboxDatabase.PathIn(config.StateDir)}, {view.SizeBytes / 1024} KiB of {config.Delivery.MaxDbBytes / (1024 * 1024)} MiB");
        output.WriteLine($"queue:  {pending} pending ({sinks.Sum(s => s.InFlight)} in flight, {sinks.Sum(s => s.Retrying)} retrying)"
            + (pending > 0 ? $", oldest {OutboxCli.Age(now - view.OldestPendingMs)}" : "")
            + $"; {Counted.Of(sinks.Sum(s => s.Dead), "dead letter", "dead letters")}; {view.DeliveredKept} delivered (kept {config.Delivery.KeepDelivered.TotalDays:0.#} d)");
        output.WriteLine();
        output.WriteLine($"{"SINK",-20} {"HEALTH",-12} {"PENDING",8} {"RETRYING",8} {"DEAD",6} {"DELIVERED",9}  {"LAST DELIVERED",-20}  LAST ERROR");
        foreach (var s in sinks)
        {
            var daemon = view.DaemonSide(s.Sink)?.Health;
            output.WriteLine($"{s.Sink,-20} {view.Health(s),-12} {s.Pending,8} {s.Retrying,8} {s.Dead,6} {daemon?.Delivered.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",9}  "
                + $"{OutboxCli.Timestamp(daemon?.LastDeliveredMs),-20}  {s.LastError ?? "-"}");
        }
        output.WriteLine(view.Daemon is { } running
            ? $"(DELIVERED, LAST DELIVERED: since the daemon started, {OutboxCli.Timestamp(running.StartedMs)})"
            : "(DELIVERED, LAST DELIVERED: counted by a running daemon)");
        if (view.Daemon?.Sinks.Values.Where(d => d.Connection is not null).OrderBy(d => d.Name, StringComparer.Ordinal).ToList() is { Count: > 0 } brokers)
        {
            output.WriteLine($"broker connections: {string.Join(", ", brokers.Select(b => $"{b.Name} {b.Connection}"))}");
        }
        if (JobEvents(config) is { } jobs)
        {
            output.WriteLine($"job events: {jobs}");
        }
        var runs = Hook.RunJournal.Recent(config.StateDir, RecentRuns);
        output.WriteLine();
        output.WriteLine(runs.Count == 0 ? "last hook runs: none recorded on this node" : $"last hook runs on this node ({Path.Combine(config.StateDir, Hook.RunJournal.FileName)}):");
        foreach (var run in runs)
        {
            output.WriteLine($"  {Field(run, "time")}  {Field(run, "hook")}-{Field(run, "phase"),-5} {Field(run, "target"),-24} exit {Field(run, "exit")}  {Field(run, "ms"),6} ms  {Field(run, "outcome")}");
        }
        var actions = Actions.ActionJournal.Recent(config.StateDir, RecentRuns);
        if (actions.Count == 0 && !RunnableActions(config).Any())
        {
            return;
        }
        output.WriteLine();
        output.WriteLine(actions.Count == 0 ? "last action runs: none recorded on this node" : $"last action runs on this node ({Path.Combine(config.StateDir, Actions.ActionJournal.FileName)}):");
        foreach (var run in actions)
        {
            output.WriteLine($"  {Field(run, "time")}  {Field(run, "action"),-12} {Field(run, "subject"),-24} {Field(run, "outcome"),-7}  {Field(run, "reason")}");
        }
    }

    /// <summary>Where job events stand on this node, when a route asks for them (the job watcher's saved state); null when none does.</summary>
    private static string? JobEvents(HookRelayConfig config)
    {
        if (!Jobs.JobQueueWatcher.Wanted(config))
        {
            return null;
        }
        return Jobs.JobWatchState.Peek(config.StateDir) switch
        {
            null => $"routes ask for them; this node's daemon has not read Ganeti's job queue yet ({Path.Combine(config.StateDir, Jobs.JobWatchState.FileName)})",
            { Master: false } => "this node is not the master: the master's daemon reports them",
            var state => $"reported by this node, the master{(state.Since == DateTimeOffset.MinValue ? "" : $" since {OutboxCli.Timestamp(state.Since.ToUnixTimeMilliseconds())}")}"
                + $" (jobs.source {config.Jobs.Source}); highest job {state.Highest}, {Counted.Of(state.Reported.Count, "job", "jobs")} in the queue followed",
        };
    }

    /// <summary>How many of the journal's last hook runs status shows.</summary>
    private const int RecentRuns = 5;

    private static string Field(System.Text.Json.JsonElement run, string name) =>
        run.TryGetProperty(name, out var value) ? value.ToString() : "-";

    private static void WriteJson(System.Text.Json.Utf8JsonWriter writer, string path, LastGoodConfig.InForce inForce, View view)
    {
        var (config, holder, sinks, now) = (inForce.Config, view.Holder, view.Sinks, view.NowMs);
        var pending = sinks.Sum(s => s.Pending);
        writer.WriteStartObject();
        writer.WriteStartObject("config");
        writer.WriteString("path", path);
        writer.WriteBoolean("usable", inForce.FileError is null);
        writer.WriteString("error", inForce.FileError?.Message);
        writer.WriteString("in_force", inForce.FileError is null ? "file" : "last_good");
        writer.WriteString("last_good_copy", inForce.LastGood?.CopyPath);
        writer.WriteString("sha256", inForce.Config.Hash);
        writer.WriteEndObject();
        writer.WriteStartObject("daemon");
        writer.WriteBoolean("running", holder is not null);
        writer.WriteString("holder", holder);
        OutboxCli.WriteTime(writer, "started", view.Daemon?.StartedMs);
        writer.WriteString("without_daemon", config.Delivery.WithoutDaemon == WithoutDaemon.Spawn ? "spawn" : "keep");
        writer.WriteEndObject();
        writer.WriteString("outbox", OutboxDatabase.PathIn(config.StateDir));
        writer.WriteNumber("outbox_bytes", view.SizeBytes);
        writer.WriteStartObject("queue");
        writer.WriteNumber("pending", pending);
        writer.WriteNumber("in_flight", sinks.Sum(s => s.InFlight));
        writer.WriteNumber("retrying", sinks.Sum(s => s.Retrying));
        writer.WriteNumber("dead", sinks.Sum(s => s.Dead));
        writer.WriteNumber("delivered_kept", view.DeliveredKept);
        if (pending > 0)
        {
            writer.WriteNumber("oldest_pending_age_s", (now - view.OldestPendingMs) / 1000.0);
        }
        else
        {
            writer.WriteNull("oldest_pending_age_s");
        }
        writer.WriteEndObject();
        writer.WriteStartArray("sinks");
        foreach (var s in sinks)
        {
            SinkStatusJson.Write(writer, s, view.Health(s), view.DaemonSide(s.Sink));
        }
        writer.WriteEndArray();
        writer.WriteStartObject("job_events");
        var wanted = Jobs.JobQueueWatcher.Wanted(config);
        var jobs = wanted ? Jobs.JobWatchState.Peek(config.StateDir) : null;
        writer.WriteBoolean("wanted", wanted);
        writer.WriteString("source", config.Jobs.Source);
        if (jobs is null)
        {
            writer.WriteNull("reported_here");
            writer.WriteNull("highest_job");
        }
        else
        {
            writer.WriteBoolean("reported_here", jobs.Master);
            writer.WriteNumber("highest_job", jobs.Highest);
        }
        OutboxCli.WriteTime(writer, "master_since", jobs is { Master: true } && jobs.Since != DateTimeOffset.MinValue ? jobs.Since.ToUnixTimeMilliseconds() : null);
        writer.WriteEndObject();
        writer.WriteStartArray("recent_hook_runs");
        foreach (var run in Hook.RunJournal.Recent(config.StateDir, RecentRuns))
        {
            run.WriteTo(writer);
        }
        writer.WriteEndArray();
        writer.WriteStartArray("recent_action_runs");
        foreach (var run in Actions.ActionJournal.Recent(config.StateDir, RecentRuns))
        {
            run.WriteTo(writer);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
