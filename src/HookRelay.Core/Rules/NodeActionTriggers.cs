namespace HookRelay.Rules;

/// <summary>When each node-local action runs: fixed by what the action does, not configured.</summary>
public sealed record NodeActionTrigger(string Name, OnNode OnNode, IReadOnlyList<Matcher> Matchers, string Description);

public static class NodeActionTriggers
{
    private static readonly Dictionary<string, NodeActionTrigger> Triggers = new[]
    {
        Trigger("disk_resize", "tell QEMU the disk grew", "hook=\"disk-grow\"", "phase=\"post\""),
        Trigger("cpu_pinning", "pin the instance's vCPU threads",
            "hook=~\"instance-(add|start|reboot|migrate|failover|modify)\"", "phase=\"post\""),
        Trigger("shaping", "shape the instance's NIC traffic",
            "hook=~\"instance-(add|start|reboot|migrate|failover|modify)\"", "phase=\"post\""),
    }.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static NodeActionTrigger? Find(string name) => Triggers.GetValueOrDefault(name);

    private static NodeActionTrigger Trigger(string name, string description, params string[] matchers) =>
        new(name, OnNode.Primary, [.. matchers.Select(Parse)], description);

    private static Matcher Parse(string text) =>
        Matcher.TryParse(text, out var m, out var error) ? m! : throw new InvalidOperationException(error);
}
