namespace HookRelay.Rules;

/// <summary>One way an action comes to run: on which node, for which runs.</summary>
/// <param name="Where">How the schema and docs say the node: "on the instance's primary".</param>
public sealed record TriggerClause(OnNode OnNode, IReadOnlyList<Matcher> Matchers, string Where)
{
    public override string ToString() => $"{string.Join(", ", Matchers)}, {Where}";
}

/// <summary>
/// When a node-local action runs, fixed by what it does (an operator's matchers can only narrow
/// it), and on which node: the one that must act. An action may have several clauses (pin on the
/// new primary, release on the old one); it runs where any applies. <paramref name="Runs"/>:
/// whether this version runs it; HookRelay's Actions/ActionTypes builds exactly those (a test
/// holds the two equal). The hook plans from this table because it cannot load action code.
/// </summary>
public sealed record NodeActionTrigger(string Name, IReadOnlyList<TriggerClause> Clauses, string Description, bool Runs)
{
    /// <summary>Whether a run of this hooks path and phase may trigger it (what the hook's slices and install need).</summary>
    public bool MayRun(string hook, string phase) => Clauses.Any(c => Planner.MayMatch(c.Matchers, hook, phase));
}

public static class NodeActionTriggers
{
    private const string InstanceRuns = "hook=~\"instance-(add|start|reboot|migrate|failover|modify)\"";

    /// <summary>
    /// For what an instance holds on the node it runs on (pinned CPUs, shaping): taken where it
    /// now runs, given back where it stopped, was removed or moved away from.
    /// </summary>
    private static readonly TriggerClause[] WhereInstanceRuns =
    [
        OnPrimary(InstanceRuns, "phase=\"post\""),
        OnPrimary("hook=~\"instance-(stop|remove)\"", "phase=\"post\""),
        new(OnNode.OldPrimary, [Parse("hook=~\"instance-(migrate|failover)\""), Parse("phase=\"post\"")], "on the old primary"),
        // A move names no old and new primary, only the target: both ends act, each by whether it is the primary now.
        new(OnNode.All, [Parse("hook=\"instance-move\""), Parse("phase=\"post\"")], "on the nodes it ran on (the one it reached takes, the others give back)"),
    ];

    private static readonly NodeActionTrigger[] Table =
    [
        // The primary as the post state names it: where the QEMU whose disk grew runs.
        new("disk_resize", [OnPrimary("hook=\"disk-grow\"", "phase=\"post\"")], "tell QEMU the disk grew", Runs: true),
        new("cpu_pinning", WhereInstanceRuns, "pin the instance's vCPU threads", Runs: true),
        new("shaping", WhereInstanceRuns, "shape the instance's NIC traffic with tc", Runs: true),
    ];

    private static readonly Dictionary<string, NodeActionTrigger> ByName = Table.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static IReadOnlyList<NodeActionTrigger> All => Table;

    public static NodeActionTrigger? Find(string name) => ByName.GetValueOrDefault(name);

    private static TriggerClause OnPrimary(params string[] matchers) => new(OnNode.Primary, [.. matchers.Select(Parse)], "on the instance's primary");

    private static Matcher Parse(string text) =>
        Matcher.TryParse(text, out var m, out var error) ? m! : throw new InvalidOperationException(error);
}
