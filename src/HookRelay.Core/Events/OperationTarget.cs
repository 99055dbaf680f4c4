namespace HookRelay.Events;

/// <summary>
/// The name of what an operation acts on, the event's <c>target</c> and CloudEvents <c>subject</c>.
/// Ganeti says it in GANETI_OP_TARGET for instance, most node and cluster operations, but not for
/// group and network operations, node-migrate or cluster-verify: there it comes from the object's
/// own variables, so that a <c>target=</c> matcher and a receiver see every operation's object.
/// </summary>
internal static class OperationTarget
{
    public static string? Of(EnvReader env, string hook, GanetiEnvCorrections.Identity identity, string localNode)
    {
        if (GanetiValues.NullIfEmpty(env.Get("GANETI_OP_TARGET")) is { } given)
        {
            return given;
        }
        return hook switch
        {
            // Ganeti runs these only on the node whose IP changes (the old master for turndown, while
            // GANETI_CLUSTER already names the new one): that node is the news of a failover.
            "master-ip-turnup" or "master-ip-turndown" => localNode,
            // Ganeti names only the group the network was connected to or disconnected from.
            "network-connect" or "network-disconnect" => env.Get("GANETI_GROUP_NAME"),
            _ => identity.ObjectType switch
            {
                "INSTANCE" => env.Get("GANETI_INSTANCE_NAME"),
                "NODE" => env.Get("GANETI_NODE_NAME"),
                // Renames name the object by its old name, as instance renames do.
                "GROUP" => env.Get("GANETI_GROUP_NAME") ?? env.Get("GANETI_OLD_NAME"),
                "NETWORK" => env.Get("GANETI_NETWORK_NAME") ?? env.Get("GANETI_OLD_NAME"),
                "CLUSTER" => identity.Cluster,
                _ => null,
            },
        };
    }
}
