using HookRelay.Events;

namespace HookRelay.Rules;

/// <summary>
/// Ganeti runs one hook on several nodes with the same environment. on_node picks the copies
/// that act. "once" picks exactly one node per operation: the master, which Ganeti includes
/// for every hooks path except group-scoped ones (see <see cref="Once"/>).
/// </summary>
public static class NodeSelection
{
    public static (bool Applies, string Reason) Check(OnNode onNode, HookEvent ev)
    {
        var roles = ev.Node.Roles;
        var node = ev.Node.Name;
        return onNode switch
        {
            OnNode.All => (true, "matched (on every node)"),
            OnNode.Once => Once(ev),
            OnNode.Master => Need(roles, NodeRoles.Master, node, "the master"),
            OnNode.Primary => Need(roles, NodeRoles.Primary, node, "the instance's primary"),
            OnNode.Secondaries => Need(roles, NodeRoles.Secondary, node, "one of the instance's secondaries"),
            OnNode.OldPrimary => Need(roles, NodeRoles.OldPrimary, node, "the old primary"),
            OnNode.NewPrimary => Need(roles, NodeRoles.NewPrimary, node, "the new primary"),
            _ => (false, "unknown on_node"),
        };
    }

    private static (bool, string) Once(HookEvent ev)
    {
        if (HooksCatalog.Find(ev.Hook)?.Nodes is not HookNodes.GroupNodes)
        {
            // Every other hooks path runs on the master, and so do unknown ones as far as we know.
            return Need(ev.Node.Roles, NodeRoles.Master, ev.Node.Name, "the master (on_node: once)");
        }
        // Group operations run on one group's nodes, which include the master only in its own
        // group. cluster-verify names the group's nodes (GANETI_NODE_TAGS_<node>): take the
        // master if it is one of them, else the first by name.
        var groupNodes = ev.ClusterInfo?.NodeTags.Keys.ToList() ?? [];
        if (groupNodes.Count == 0)
        {
            return (true, "matched (on_node: once, but Ganeti does not say which nodes run this group hook: every node acts, with the same opkey)");
        }
        var chosen = groupNodes.FirstOrDefault(n => NodeNames.Same(n, ev.Master)) ?? groupNodes.Min(StringComparer.Ordinal)!;
        return NodeNames.Same(chosen, ev.Node.Name)
            ? (true, $"matched (on_node: once: this node {ev.Node.Name} is the one chosen among the group's nodes)")
            : (false, $"on_node: once: {chosen} acts for this group, not this node {ev.Node.Name}");
    }

    private static (bool, string) Need(IReadOnlyList<string> roles, string role, string node, string what) =>
        roles.Contains(role)
            ? (true, $"matched (this node {node} is {what})")
            : (false, $"this node {node} is not {what}");
}
