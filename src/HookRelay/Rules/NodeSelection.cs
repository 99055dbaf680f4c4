using HookRelay.Events;

namespace HookRelay.Rules;

/// <summary>
/// Ganeti runs one hook on several nodes with the same environment. on_node picks the copies
/// that act. "once" picks exactly one node per operation: the master where Ganeti runs the
/// hook there (most paths), else the instance's primary (disk-grow runs on the instance's nodes only).
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
        var masterRunsIt = HooksCatalog.Find(ev.Hook)?.Nodes is null or HookNodes.IncludesMaster;
        if (masterRunsIt || (ev.Post?.Instance ?? ev.Instance) is null)
        {
            return Need(ev.Node.Roles, NodeRoles.Master, ev.Node.Name, "the master (on_node: once)");
        }
        return Need(ev.Node.Roles, NodeRoles.Primary, ev.Node.Name, "the instance's primary (on_node: once; Ganeti does not run this hook on the master)");
    }

    private static (bool, string) Need(IReadOnlyList<string> roles, string role, string node, string what) =>
        roles.Contains(role)
            ? (true, $"matched (this node {node} is {what})")
            : (false, $"this node {node} is not {what}");
}
