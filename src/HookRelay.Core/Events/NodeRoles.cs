namespace HookRelay.Events;

/// <summary>
/// What the node running the hook is to this operation. Ganeti runs the same hook on several
/// nodes with the same environment; only the local name tells them apart.
/// </summary>
public static class NodeRoles
{
    public const string Master = "master";
    public const string Primary = "primary";
    public const string Secondary = "secondary";
    public const string OldPrimary = "old_primary";
    public const string NewPrimary = "new_primary";
    public const string OldSecondary = "old_secondary";
    public const string NewSecondary = "new_secondary";
    public const string Target = "target";

    public static IReadOnlyList<string> Compute(HookEvent ev, string localNode)
    {
        var roles = new List<string>(4);
        if (NodeNames.Same(ev.Master, localNode))
        {
            roles.Add(Master);
        }
        // After the operation the post state names the instance's current nodes (a migration has
        // moved the primary); before it, or without a post state, the pre state does.
        var current = ev.Post?.Instance ?? ev.Instance;
        if (current is not null)
        {
            if (NodeNames.Same(current.Primary, localNode))
            {
                roles.Add(Primary);
            }
            if (current.Secondaries.Any(s => NodeNames.Same(s, localNode)))
            {
                roles.Add(Secondary);
            }
        }
        if ((ev.Migrate ?? ev.Failover) is { } move)
        {
            AddIf(roles, OldPrimary, move.OldPrimary, localNode);
            AddIf(roles, NewPrimary, move.NewPrimary, localNode);
            AddIf(roles, OldSecondary, move.OldSecondary, localNode);
            AddIf(roles, NewSecondary, move.NewSecondary, localNode);
        }
        if (ev.NodeTarget is { } node)
        {
            AddIf(roles, Target, node.Name, localNode);
        }
        return roles;
    }

    private static void AddIf(List<string> roles, string role, string? node, string localNode)
    {
        if (NodeNames.Same(node, localNode))
        {
            roles.Add(role);
        }
    }
}
