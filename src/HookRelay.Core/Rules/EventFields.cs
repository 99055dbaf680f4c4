using HookRelay.Events;
using HookRelay.Sinks.Messages;

namespace HookRelay.Rules;

/// <summary>
/// One name for each fact about an event, the same in matchers (<c>instance="web-1"</c>, read
/// from the typed event in the hook) and in templates (<c>{{ instance }}</c>, read from the
/// CloudEvent the daemon delivers). Each entry says where the fact sits in the CloudEvent's data,
/// so both readings come from this one table; a test holds them equal on every real capture.
/// Beyond these, both accept every GANETI_* variable by its lower-cased name without the prefix.
/// </summary>
public static class EventFields
{
    /// <summary>A fact: its name, how the hook reads it, how a delivered event's document holds it.</summary>
    public sealed record Field(string Name, Func<HookEvent, IReadOnlyList<string>> OfEvent, Func<EventView, IReadOnlyList<string>> OfDocument);

    /// <summary>Where the CloudEvent's data holds how long the operation took (<see cref="RunTiming"/>).</summary>
    public const string DurationMsPath = "timing.duration_ms";

    public static readonly Field DurationMs = At("duration_ms", DurationMsPath,
        e => e.Timing is { } t ? [t.DurationMs.ToString(System.Globalization.CultureInfo.InvariantCulture)] : []);

    /// <summary>What an event is: "hook" for a Ganeti hook run, "action" for an action's outcome, "dead_letter" for a delivery given up, "reconcile" for what a reconcile changed, "job" for a step of a job in Ganeti's queue.</summary>
    public const string KindName = "kind";
    public const string ActionName = "action";
    public const string OutcomeName = "outcome";
    public const string SinkName = "sink";
    public const string HookKind = "hook";
    public const string ActionKind = "action";
    public const string DeadLetterKind = "dead_letter";
    public const string ReconcileKind = "reconcile";
    public const string JobKind = "job";

    /// <summary>Where HookRelay's own events (an action's outcome) say what they are, in their data.</summary>
    public const string OwnPath = "hookrelay";

    /// <summary>The values a field can take when only a few exist; empty for open-ended ones.</summary>
    public static IReadOnlyList<string> ValuesOf(string name) => name switch
    {
        KindName => [HookKind, ActionKind, DeadLetterKind, ReconcileKind, JobKind],
        "status" => ["queued", "waiting", "running", "success", "error", "canceling", "canceled"],
        "step" => ["queued", "started", "opcode-started", "opcode-finished", "success", "error", "canceled"],
        OutcomeName => ["done", "skipped", "failed"],
        ActionName => [.. NodeActionTriggers.All.Select(t => t.Name)],
        _ => [],
    };

    public static IReadOnlyList<Field> All { get; } =
    [
        At("hook", "hook", e => One(e.Hook)),
        At("phase", "phase", e => One(e.Phase)),
        At("hooks_version", "hooks_version", e => One(e.HooksVersion)),
        At("known_hook", "known_hook", e => One(e.KnownHook ? "true" : "false")),
        At("op_code", "op_code", e => One(e.OpCode)),
        At("object_type", "object_type", e => One(e.ObjectType)),
        At("target", "target", e => One(e.Target)),
        At("cluster", "cluster", e => One(e.Cluster)),
        At("master", "master", e => One(e.Master)),
        At("node", "node.name", e => One(e.Node.Name)),
        At("role", "node.roles", e => e.Node.Roles),
        At("instance", "instance.name", e => One(e.Instance?.Name)),
        At("instance_secondaries", "instance.secondaries", e => e.Instance?.Secondaries ?? []),
        // An instance's tags, or on a cluster operation the cluster's.
        new("tag", e => e.Instance?.Tags ?? e.ClusterInfo?.Tags ?? [],
            view => view.List("instance.tags") is { Count: > 0 } tags ? tags : view.List("cluster_info.tags")),
        At("os", "instance.os", e => One(e.Instance?.Os)),
        At("disk_template", "instance.disk_template", e => One(e.Instance?.DiskTemplate)),
        At("hypervisor", "instance.hypervisor", e => One(e.Instance?.Hypervisor)),
        At("new_name", "rename.new_name", e => One(e.Rename?.NewName)),
        // Set in the pre phase once gates ran: "deny" if any gate stopped the operation, else "allow".
        new("verdict", e => e.Gates is { Count: > 0 } gates ? [gates.Any(g => !g.Allowed) ? "deny" : "allow"] : [],
            view => Gates(view) is { Count: > 0 } gates ? [gates.Any(g => !g.Allowed) ? "deny" : "allow"] : []),
        new("denied_by", e => e.Gates?.Where(g => !g.Allowed).Select(g => g.Name).ToList() ?? [],
            view => [.. Gates(view).Where(g => !g.Allowed).Select(g => g.Name)]),
        // Gates that could not decide (error, timeout), whatever their on_error made of it.
        new("gate_failed", e => e.Gates?.Where(g => g.Verdict is "error" or "timeout").Select(g => g.Name).ToList() ?? [],
            view => [.. Gates(view).Where(g => g.Verdict is "error" or "timeout").Select(g => g.Name)]),
        DurationMs,
        // A hook run is of kind hook; HookRelay's own events say their kind, and what else, in their data.
        new(KindName, _ => [HookKind], view => view.Values($"{OwnPath}.{KindName}") is { Count: > 0 } kind ? kind : [HookKind]),
        At(ActionName, $"{OwnPath}.{ActionName}", _ => []),
        At(OutcomeName, $"{OwnPath}.{OutcomeName}", _ => []),
        // A dead letter's sink: the one that gave up.
        At(SinkName, $"{OwnPath}.{SinkName}", _ => []),
        // A job event's (kind="job"): its status, the step it reports, its id.
        At("status", "job.status", _ => []),
        At("step", $"{OwnPath}.step", _ => []),
        At("job_id", "job.id", _ => []),
    ];

    private static readonly Dictionary<string, Field> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static Field? Find(string name) => ByName.GetValueOrDefault(name);

    private static IReadOnlyList<string> One(string? value) => value is null ? [] : [value];

    private static List<(string Name, string Verdict, bool Allowed)> Gates(EventView view) =>
        view.Data.TryGetProperty("gates", out var gates) && gates.ValueKind == System.Text.Json.JsonValueKind.Array
            ? [.. gates.EnumerateArray().Select(g => (g.GetProperty("name").GetString()!, g.GetProperty("verdict").GetString()!, g.GetProperty("allowed").GetBoolean()))]
            : [];

    /// <summary>A fact the document holds at one place in its data: a value, or a list of them.</summary>
    private static Field At(string name, string dataPath, Func<HookEvent, IReadOnlyList<string>> ofEvent)
    {
        var path = dataPath.Split('.');
        return new(name, ofEvent, view => view.Values(path));
    }
}
