using System.CommandLine;
using System.Text.Json;
using HookRelay.Actions;
using HookRelay.Hook;
using HookRelay.Rules;
using HookRelay.Web;

namespace HookRelay.Cli;

/// <summary>
/// `hookrelay events tail [-f] [--instance NAME] [-n N]`: this node's hook runs and action runs,
/// one readable line each, from the journals the hooks and the daemon append to; with -f, as they
/// happen. The terminal's answer to "what just ran here, and what did it do?".
/// </summary>
public static class EventsCommand
{
    private static readonly TimeSpan FollowEvery = TimeSpan.FromMilliseconds(200);

    public static Command Create(Option<string> configOption)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Go on printing runs as they are recorded, until interrupted" };
        var instance = new Option<string?>("--instance") { Description = "Only runs about this instance (or the node, group or network a run is about)" };
        var lines = new Option<int>("--lines", "-n") { Description = "How many past runs to print first", DefaultValueFactory = _ => 20 };
        var tail = new Command("tail", "Print this node's last hook and action runs, one line each") { follow, instance, lines };
        tail.SetAction(async (result, token) => ConfigOption.LoadOrReport(result.GetValue(configOption)!, Console.Error) is { } config
            ? await TailAsync(config, result.GetValue(lines), result.GetValue(instance), result.GetValue(follow), Console.Out, token).ConfigureAwait(false)
            : ExitCodes.Failed);
        return new Command("events", "This node's events as they ran: hook runs and node action runs") { tail };
    }

    public static async Task<int> TailAsync(HookRelayConfig config, int count, string? instance, bool follow, TextWriter output, CancellationToken cancellationToken)
    {
        var hooks = new JournalFollower(Path.Combine(config.StateDir, RunJournal.FileName));
        var actions = new JournalFollower(Path.Combine(config.StateDir, ActionJournal.FileName));
        hooks.SkipToEnd();
        actions.SkipToEnd();
        // Both journals' last lines, in time order (their times are sortable UTC text).
        var past = RunJournal.Recent(config.StateDir, Math.Max(count, 0) * 4).Select(run => (Run: run, Hook: true))
            .Concat(ActionJournal.Recent(config.StateDir, Math.Max(count, 0) * 4).Select(run => (Run: run, Hook: false)))
            .Where(r => About(r.Run, r.Hook, instance))
            .OrderBy(r => r.Run.TextOf("time"), StringComparer.Ordinal)
            .TakeLast(Math.Max(count, 0));
        foreach (var (run, hook) in past)
        {
            output.WriteLine(Line(run, hook));
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (follow && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FollowEvery, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            foreach (var (run, hook) in hooks.ReadAppended().Select(r => (r, true)).Concat(actions.ReadAppended().Select(r => (r, false))).Where(r => About(r.Item1, r.Item2, instance)))
            {
                output.WriteLine(Line(run, hook));
            }
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        return ExitCodes.Ok;
    }

    private static bool About(JsonElement run, bool hook, string? instance) =>
        instance is null || string.Equals(run.TextOf(hook ? "target" : "subject"), instance, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// "2026-12-01T19:02:03.123Z node1 instance-migrate post web-1: queued for chat (4.21 ms)";
    /// "… action disk_resize web-1: done: …".
    /// </summary>
    public static string Line(JsonElement run, bool hook) => hook
        ? $"{run.TextOf("time")} {run.TextOf("node")} {run.TextOf("hook")} {run.TextOf("phase")} {Or(run.TextOf("target"), "(no target)")}: "
            + $"{run.TextOf("outcome")} ({(run.TryGetProperty("ms", out var ms) ? ms.ToString() : "?")} ms{Gates(run)})"
        : $"{run.TextOf("time")} action {run.TextOf("action")} {Or(run.TextOf("subject"), "(no subject)")}: {run.TextOf("outcome")}: {run.TextOf("reason")}";

    private static string Gates(JsonElement run) =>
        run.TryGetProperty("gates", out var gates) && gates.ValueKind == JsonValueKind.Array
            ? "; gates: " + string.Join(", ", gates.EnumerateArray().Select(g => $"{g.TextOf("name")} {g.TextOf("verdict")}"))
            : "";

    private static string Or(string text, string otherwise) => text.Length > 0 ? text : otherwise;
}
