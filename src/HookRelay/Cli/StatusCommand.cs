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
        var command = new Command("status", "Show the delivery daemon, the queue (depth, oldest age, dead letters) and each sink's health") { json };
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
            var sinks = config.Sinks.Keys.Union(byName.Keys).Order(StringComparer.Ordinal)
                .Select(name => byName.GetValueOrDefault(name) ?? new SinkStatus(name, 0, 0, 0, 0, 0, null, null, null)).ToList();
            var oldest = sinks.Where(s => s.OldestPendingMs is not null).Select(s => s.OldestPendingMs!.Value).DefaultIfEmpty().Min();
            if (asJson)
            {
                WriteJson(configPath, inForce, holder, admin?.SizeBytes ?? 0, sinks, oldest, now);
            }
            else
            {
                output.WriteLine($"config: {Describe(configPath, inForce)}");
                WriteTable(output, config, holder, admin?.SizeBytes ?? 0, sinks, oldest, now);
            }
        }
        return ExitCodes.Ok;
    }

    private static string DaemonText(HookRelayConfig config, string? holder) => holder switch
    {
        null => config.Delivery.WithoutDaemon == WithoutDaemon.Spawn
            ? "not running (hooks start a one-shot drainer: delivery.without_daemon is spawn)"
            : "not running (delivery.without_daemon is keep: events wait for 'hookrelay serve')",
        _ when holder.StartsWith("drain", StringComparison.Ordinal) => $"a one-shot drainer is delivering ({holder})",
        _ => $"running ({holder})",
    };

    private static void WriteTable(TextWriter output, HookRelayConfig config, string? holder, long size, List<SinkStatus> sinks, long oldest, long now)
    {
        var pending = sinks.Sum(s => s.Pending);
        output.WriteLine($"daemon: {DaemonText(config, holder)}");
        output.WriteLine($"outbox: {OutboxDatabase.PathIn(config.StateDir)}, {size / 1024} KiB of {config.Delivery.MaxDbBytes / (1024 * 1024)} MiB");
        output.WriteLine($"queue:  {pending} pending ({sinks.Sum(s => s.InFlight)} in flight, {sinks.Sum(s => s.Retrying)} retrying)"
            + (pending > 0 ? $", oldest {OutboxCli.Age(now - oldest)}" : "")
            + $"; {Counted.Of(sinks.Sum(s => s.Dead), "dead letter", "dead letters")}; {sinks.Sum(s => s.Delivered)} delivered (kept {config.Delivery.KeepDelivered.TotalDays:0.#} d)");
        output.WriteLine();
        output.WriteLine($"{"SINK",-16} {"HEALTH",-12} {"PENDING",8} {"RETRYING",8} {"DEAD",6} {"DELIVERED",9}  {"LAST DELIVERED",-20}  LAST ERROR");
        foreach (var s in sinks)
        {
            var health = config.Sinks.ContainsKey(s.Sink) ? s.Health : "not configured";
            output.WriteLine($"{s.Sink,-16} {health,-12} {s.Pending,8} {s.Retrying,8} {s.Dead,6} {s.Delivered,9}  {OutboxCli.Timestamp(s.LastDeliveredMs),-20}  {s.LastError ?? "-"}");
        }
        var runs = Hook.RunJournal.Recent(config.StateDir, RecentRuns);
        output.WriteLine();
        output.WriteLine(runs.Count == 0 ? "last hook runs: none recorded on this node" : $"last hook runs on this node ({Path.Combine(config.StateDir, Hook.RunJournal.FileName)}):");
        foreach (var run in runs)
        {
            output.WriteLine($"  {Field(run, "time")}  {Field(run, "hook")}-{Field(run, "phase"),-5} {Field(run, "target"),-24} exit {Field(run, "exit")}  {Field(run, "ms"),6} ms  {Field(run, "outcome")}");
        }
    }

    /// <summary>How many of the journal's last hook runs status shows.</summary>
    private const int RecentRuns = 5;

    private static string Field(System.Text.Json.JsonElement run, string name) =>
        run.TryGetProperty(name, out var value) ? value.ToString() : "-";

    private static void WriteJson(string path, LastGoodConfig.InForce inForce, string? holder, long size, List<SinkStatus> sinks, long oldest, long now)
    {
        OutboxCli.WriteJson(writer => WriteJson(writer, path, inForce, holder, size, sinks, oldest, now));
    }

    private static void WriteJson(System.Text.Json.Utf8JsonWriter writer, string path, LastGoodConfig.InForce inForce, string? holder, long size, List<SinkStatus> sinks, long oldest, long now)
    {
        var config = inForce.Config;
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
        writer.WriteString("without_daemon", config.Delivery.WithoutDaemon == WithoutDaemon.Spawn ? "spawn" : "keep");
        writer.WriteEndObject();
        writer.WriteString("outbox", OutboxDatabase.PathIn(config.StateDir));
        writer.WriteNumber("outbox_bytes", size);
        writer.WriteStartObject("queue");
        writer.WriteNumber("pending", pending);
        writer.WriteNumber("in_flight", sinks.Sum(s => s.InFlight));
        writer.WriteNumber("retrying", sinks.Sum(s => s.Retrying));
        writer.WriteNumber("dead", sinks.Sum(s => s.Dead));
        writer.WriteNumber("delivered", sinks.Sum(s => s.Delivered));
        if (pending > 0)
        {
            writer.WriteNumber("oldest_pending_age_s", (now - oldest) / 1000.0);
        }
        else
        {
            writer.WriteNull("oldest_pending_age_s");
        }
        writer.WriteEndObject();
        writer.WriteStartArray("sinks");
        foreach (var s in sinks)
        {
            writer.WriteStartObject();
            writer.WriteString("name", s.Sink);
            writer.WriteString("health", config.Sinks.ContainsKey(s.Sink) ? s.Health : "not configured");
            writer.WriteNumber("pending", s.Pending);
            writer.WriteNumber("in_flight", s.InFlight);
            writer.WriteNumber("retrying", s.Retrying);
            writer.WriteNumber("dead", s.Dead);
            writer.WriteNumber("delivered", s.Delivered);
            OutboxCli.WriteTime(writer, "last_delivered", s.LastDeliveredMs);
            OutboxCli.WriteTime(writer, "oldest_pending", s.OldestPendingMs);
            writer.WriteString("last_error", s.LastError);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("recent_hook_runs");
        foreach (var run in Hook.RunJournal.Recent(config.StateDir, RecentRuns))
        {
            run.WriteTo(writer);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
