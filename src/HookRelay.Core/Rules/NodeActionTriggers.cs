namespace HookRelay.Rules;

/// <summary>
/// When a node-local action runs, fixed by what it does (an operator's matchers can only narrow
/// it), and on which node: the one that must act. <paramref name="Runs"/>: whether this version
/// runs it; HookRelay's Actions/ActionTypes builds exactly those (a test holds the two equal).
/// The hook plans from this table because it cannot load action code.
/// </summary>
public sealed record NodeActionTrigger(string Name, OnNode OnNode, IReadOnlyList<Matcher> Matchers, string Description, bool Runs);

public static class NodeActionTriggers
{
    private static readonly NodeActionTrigger[] Table =
    [
        // The primary as the post state names it: where the QEMU whose disk grew runs.
        Trigger("disk_resize", "tell QEMU the disk grew", runs: true, "hook=\"disk-grow\"", "phase=\"post\""),
        Trigger("cpu_pinning", "pin the instance's vCPU threads", runs: false,
            "hook=~\"instance-(add|start|reboot|migrate|failover|modify)\"", "phase=\"post\""),
        Trigger("shaping", "shape the instance's NIC traffic", runs: false,
            "hook=~\"instance-(add|start|reboot|migrate|failover|modify)\"", "phase=\"post\""),
    ];

    private static readonly Dictionary<string, NodeActionTrigger> ByName = Table.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static IReadOnlyList<NodeActionTrigger> All => Table;

    public static NodeActionTrigger? Find(string name) => ByName.GetValueOrDefault(name);

    private static NodeActionTrigger Trigger(string name, string description, bool runs, params string[] matchers) =>
        new(name, OnNode.Primary, [.. matchers.Select(Parse)], description, runs);

    private static Matcher Parse(string text) =>
        Matcher.TryParse(text, out var m, out var error) ? m! : throw new InvalidOperationException(error);
}
