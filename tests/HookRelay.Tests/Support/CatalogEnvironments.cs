using HookRelay.Events;

namespace HookRelay.Tests.Support;

/// <summary>
/// An environment for every hooks path and phase of the catalog, built from the variables the
/// catalog says Ganeti gives it (the way Ganeti's LUs build them), for paths no capture covers.
/// Names are fixed so a test knows what the event must call its target.
/// </summary>
public static class CatalogEnvironments
{
    public const string Cluster = "cluster.lab.example";
    public const string Master = "node1.lab.example";
    public const string Node = "node2.lab.example";
    public const string Group = "grp-9";
    public const string Network = "net-9";
    public const string OldName = "old-9";

    public static TheoryData<string, string> PathsAndPhases() =>
        [.. HooksCatalog.All.SelectMany(p => p.Phases.Select(phase => (p.Path, phase)))];

    public static SortedDictionary<string, string> For(string hook, string phase)
    {
        var path = HooksCatalog.Find(hook) ?? throw new ArgumentException($"{hook} is not in the catalog", nameof(hook));
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["GANETI_HOOKS_VERSION"] = "2",
            ["GANETI_HOOKS_PATH"] = hook,
            ["GANETI_HOOKS_PHASE"] = phase,
            ["GANETI_DATA_DIR"] = "/var/lib/ganeti",
            ["GANETI_OP_CODE"] = hook == "config-update" ? "OP_CLUSTER_SET_PARAMS" : path.OpCodes[0],
            ["GANETI_CLUSTER"] = Cluster,
            ["GANETI_MASTER"] = Master,
        };
        if (path.ObjectType.Length > 0)
        {
            env["GANETI_OBJECT_TYPE"] = path.ObjectType;
        }
        else
        {
            // Ganeti 3.0's backend.RunLocalHooks shifts its arguments (ganeti/ganeti#1248).
            env["GANETI_OBJECT_TYPE"] = Cluster;
            env["GANETI_CLUSTER"] = Master;
            env.Remove("GANETI_MASTER");
        }
        foreach (var variable in path.ExtraVariables)
        {
            switch (variable)
            {
                case "INSTANCE_*":
                    foreach (var (key, value) in Fixtures.Env("instance-add-post-node1-01").Where(kv => kv.Key.StartsWith("GANETI_INSTANCE_", StringComparison.Ordinal)))
                    {
                        env[key] = value;
                    }
                    break;
                case "NODE_TAGS_<node>":
                    env["GANETI_NODE_TAGS_" + Master] = "";
                    break;
                default:
                    env["GANETI_" + variable] = Value(variable, path.ObjectType);
                    break;
            }
        }
        return env;
    }

    /// <summary>The name an event of this path must give its target.</summary>
    public static string ExpectedTarget(string hook)
    {
        var path = HooksCatalog.Find(hook)!;
        return hook switch
        {
            "master-ip-turnup" or "master-ip-turndown" => Master,
            "network-connect" or "network-disconnect" => Group,
            "config-update" => Cluster,
            _ when path.ObjectType == "INSTANCE" => Fixtures.Env("instance-add-post-node1-01")["GANETI_INSTANCE_NAME"],
            _ when path.ExtraVariables.Contains("OLD_NAME") => OldName,
            _ => path.ObjectType switch
            {
                "NODE" => Node,
                "GROUP" => Group,
                "NETWORK" => Network,
                _ => Cluster,
            },
        };
    }

    private static string Value(string variable, string objectType) => variable switch
    {
        "OP_TARGET" => objectType == "NODE" ? Node : Cluster,
        "NODE_NAME" or "SRC_NODE" or "EXPORT_NODE" or "TARGET_NODE" or "NEW_PRIMARY" or "NEW_SECONDARY" => Node,
        "OLD_PRIMARY" or "OLD_SECONDARY" => Master,
        "GROUP_NAME" => Group,
        "NETWORK_NAME" => Network,
        "OLD_NAME" => OldName,
        "NEW_NAME" => "new-9",
        "NETWORK_SUBNET" => "192.0.2.0/24",
        "NETWORK_GATEWAY" => "192.0.2.1",
        "MASTER_IP" => "10.78.0.100",
        "MASTER_NETMASK" => "24",
        "MASTER_NETDEV" => "gnt0",
        "CLUSTER_IP_VERSION" => "4",
        "DISK" => "0",
        "AMOUNT" or "RUNTIME_MEMORY" => "1024",
        "REBOOT_TYPE" => "hard",
        "ADD_MODE" => "create",
        "EXPORT_MODE" => "local",
        "MODE" => "replace_new_secondary",
        "MIGRATE_LIVE" or "MASTER_CAPABLE" or "VM_CAPABLE" => "True",
        "SHUTDOWN_TIMEOUT" or "TIMEOUT" => "120",
        _ => "False",
    };
}
