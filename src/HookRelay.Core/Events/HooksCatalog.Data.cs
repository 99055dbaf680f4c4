namespace HookRelay.Events;

public static partial class HooksCatalog
{
    private const string Instance = "INSTANCE";
    private const string Node = "NODE";
    private const string Cluster = "CLUSTER";
    private const string Group = "GROUP";
    private const string Network = "NETWORK";
    // Run by the node itself (backend.RunLocalHooks), without GANETI_OBJECT_TYPE.
    private const string NoObject = "";
    private const string MasterAndInstanceNodes = "master, the instance's primary and secondaries";

    private static readonly string[] PrePost = ["pre", "post"];
    private static readonly string[] PostOnly = ["post"];
    private static readonly string[] NetworkVars = ["NETWORK_NAME", "NETWORK_SUBNET", "NETWORK_GATEWAY", "NETWORK_SUBNET6", "NETWORK_GATEWAY6", "NETWORK_MAC_PREFIX", "NETWORK_TAGS"];

    // From Ganeti 3.0.2 and 3.1.1: each LogicalUnit's HPATH, HTYPE, BuildHooksEnv and
    // BuildHooksNodes in lib/cmdlib, hooksmaster.RunConfigUpdate, and backend.RunLocalHooks;
    // cross-checked with the lab captures. "INSTANCE_*" is the whole instance environment.
    private static readonly HookPath[] Paths =
    [
        new("cluster-destroy", Cluster, ["OP_CLUSTER_DESTROY"], PostOnly, HookNodes.IncludesMaster,
            "post on the master, run by hand just before it is removed", ["OP_TARGET"]),
        new("cluster-init", Cluster, ["OP_CLUSTER_POST_INIT"], PostOnly, HookNodes.IncludesMaster,
            "post on the master", ["OP_TARGET"]),
        new("cluster-modify", Cluster, ["OP_CLUSTER_SET_PARAMS"], PrePost, HookNodes.IncludesMaster,
            "master", ["OP_TARGET", "NEW_VG_NAME"]),
        new("cluster-rename", Cluster, ["OP_CLUSTER_RENAME"], PrePost, HookNodes.IncludesMaster,
            "pre on the master, post on every node", ["OP_TARGET", "NEW_NAME"]),
        new("cluster-verify", Cluster, ["OP_CLUSTER_VERIFY_GROUP"], PostOnly, HookNodes.GroupNodes,
            "post on every node of the verified group", ["CLUSTER_TAGS", "NODE_TAGS_<node>"]),
        new("config-update", Cluster, ["(the opcode that changed the configuration)"], PostOnly, HookNodes.IncludesMaster,
            "post on the master after an operation changed the configuration; carries that operation's pre environment", []),
        new("disk-grow", Instance, ["OP_INSTANCE_GROW_DISK"], PrePost, HookNodes.IncludesMaster,
            MasterAndInstanceNodes, ["INSTANCE_*", "DISK", "AMOUNT", "ABSOLUTE"]),
        new("group-add", Group, ["OP_GROUP_ADD"], PrePost, HookNodes.IncludesMaster, "master", ["GROUP_NAME"]),
        new("group-evacuate", Group, ["OP_GROUP_EVACUATE"], PrePost, HookNodes.IncludesMaster,
            "master and the group's nodes", ["GROUP_NAME", "TARGET_GROUPS"]),
        new("group-modify", Group, ["OP_GROUP_SET_PARAMS"], PrePost, HookNodes.IncludesMaster, "master", ["GROUP_NAME", "NEW_ALLOC_POLICY"]),
        new("group-remove", Group, ["OP_GROUP_REMOVE"], PrePost, HookNodes.IncludesMaster, "master", ["GROUP_NAME"]),
        new("group-rename", Group, ["OP_GROUP_RENAME"], PrePost, HookNodes.IncludesMaster,
            "master and the group's nodes", ["OLD_NAME", "NEW_NAME"]),
        new("instance-add", Instance, ["OP_INSTANCE_CREATE"], PrePost, HookNodes.IncludesMaster,
            "master, the new primary and secondaries", ["INSTANCE_*", "ADD_MODE", "SRC_NODE", "SRC_PATH", "SRC_IMAGES"]),
        new("instance-change-group", Instance, ["OP_INSTANCE_CHANGE_GROUP"], PrePost, HookNodes.IncludesMaster,
            "master", ["INSTANCE_*", "TARGET_GROUPS"]),
        new("instance-export", Instance, ["OP_BACKUP_EXPORT"], PrePost, HookNodes.IncludesMaster,
            "master, the primary and (local export) the target node",
            ["INSTANCE_*", "EXPORT_MODE", "EXPORT_NODE", "EXPORT_DO_SHUTDOWN", "REMOVE_INSTANCE", "SHUTDOWN_TIMEOUT"]),
        new("instance-failover", Instance, ["OP_INSTANCE_FAILOVER"], PrePost, HookNodes.IncludesMaster,
            "master, secondaries and the target node; post also the old primary",
            ["INSTANCE_*", "FAILOVER_CLEANUP", "IGNORE_CONSISTENCY", "SHUTDOWN_TIMEOUT", "OLD_PRIMARY", "NEW_PRIMARY", "OLD_SECONDARY", "NEW_SECONDARY"]),
        new("instance-migrate", Instance, ["OP_INSTANCE_MIGRATE"], PrePost, HookNodes.IncludesMaster,
            "master, primary, secondaries and the target node",
            ["INSTANCE_*", "MIGRATE_LIVE", "MIGRATE_CLEANUP", "ALLOW_RUNTIME_CHANGES", "OLD_PRIMARY", "NEW_PRIMARY", "OLD_SECONDARY", "NEW_SECONDARY"]),
        new("instance-modify", Instance, ["OP_INSTANCE_SET_PARAMS"], PrePost, HookNodes.IncludesMaster,
            MasterAndInstanceNodes, ["INSTANCE_*", "NEW_DISK_TEMPLATE", "RUNTIME_MEMORY"]),
        new("instance-move", Instance, ["OP_INSTANCE_MOVE"], PrePost, HookNodes.IncludesMaster,
            "master, the primary and the target node", ["INSTANCE_*", "TARGET_NODE", "SHUTDOWN_TIMEOUT"]),
        new("instance-reboot", Instance, ["OP_INSTANCE_REBOOT"], PrePost, HookNodes.IncludesMaster,
            MasterAndInstanceNodes, ["INSTANCE_*", "REBOOT_TYPE", "IGNORE_SECONDARIES", "SHUTDOWN_TIMEOUT"]),
        new("instance-recreate-disks", Instance, ["OP_INSTANCE_RECREATE_DISKS"], PrePost, HookNodes.IncludesMaster,
            MasterAndInstanceNodes, ["INSTANCE_*"]),
        new("instance-reinstall", Instance, ["OP_INSTANCE_REINSTALL"], PrePost, HookNodes.IncludesMaster,
            MasterAndInstanceNodes, ["INSTANCE_*"]),
        new("instance-remove", Instance, ["OP_INSTANCE_REMOVE"], PrePost, HookNodes.IncludesMaster,
            "pre on the master, post on the master and the instance's former nodes", ["INSTANCE_*", "SHUTDOWN_TIMEOUT"]),
        new("instance-rename", Instance, ["OP_INSTANCE_RENAME"], PrePost, HookNodes.IncludesMaster,
            MasterAndInstanceNodes, ["INSTANCE_*", "INSTANCE_NEW_NAME"]),
        new("instance-start", Instance, ["OP_INSTANCE_STARTUP"], PrePost, HookNodes.IncludesMaster,
            MasterAndInstanceNodes, ["INSTANCE_*", "FORCE"]),
        new("instance-stop", Instance, ["OP_INSTANCE_SHUTDOWN"], PrePost, HookNodes.IncludesMaster,
            MasterAndInstanceNodes, ["INSTANCE_*", "TIMEOUT"]),
        new("master-ip-turndown", NoObject, ["OP_CLUSTER_IP_TURNDOWN"], PrePost, HookNodes.IncludesMaster,
            "the master, locally, when its IP is deactivated", ["MASTER_NETDEV", "MASTER_IP", "MASTER_NETMASK", "CLUSTER_IP_VERSION"]),
        new("master-ip-turnup", NoObject, ["OP_CLUSTER_IP_TURNUP"], PrePost, HookNodes.IncludesMaster,
            "the master, locally, when its IP is activated", ["MASTER_NETDEV", "MASTER_IP", "MASTER_NETMASK", "CLUSTER_IP_VERSION"]),
        new("mirrors-replace", Instance, ["OP_INSTANCE_REPLACE_DISKS"], PrePost, HookNodes.IncludesMaster,
            "master, the primary and the new secondary", ["INSTANCE_*", "MODE", "OLD_SECONDARY", "NEW_SECONDARY"]),
        new("network-add", Network, ["OP_NETWORK_ADD"], PrePost, HookNodes.IncludesMaster, "master", NetworkVars),
        new("network-connect", Network, ["OP_NETWORK_CONNECT"], PrePost, HookNodes.GroupNodes,
            "every node of the group the network is connected to",
            [.. NetworkVars, "GROUP_NAME", "GROUP_NETWORK_MODE", "GROUP_NETWORK_LINK", "GROUP_NETWORK_VLAN"]),
        new("network-disconnect", Network, ["OP_NETWORK_DISCONNECT"], PrePost, HookNodes.GroupNodes,
            "every node of the group the network is disconnected from",
            [.. NetworkVars, "GROUP_NAME", "GROUP_NETWORK_MODE", "GROUP_NETWORK_LINK", "GROUP_NETWORK_VLAN"]),
        new("network-modify", Network, ["OP_NETWORK_SET_PARAMS"], PrePost, HookNodes.IncludesMaster, "master", NetworkVars),
        new("network-remove", Network, ["OP_NETWORK_REMOVE"], PrePost, HookNodes.IncludesMaster, "master", ["NETWORK_NAME"]),
        new("network-rename", Network, ["OP_NETWORK_RENAME"], PrePost, HookNodes.IncludesMaster,
            "master and the nodes of groups the network is connected to", ["OLD_NAME", "NEW_NAME"], Versions: "3.1"),
        new("node-add", Node, ["OP_NODE_ADD"], PrePost, HookNodes.IncludesMaster,
            "every node but the new one", ["OP_TARGET", "NODE_NAME", "NODE_PIP", "NODE_SIP", "MASTER_CAPABLE", "VM_CAPABLE"]),
        new("node-migrate", Node, ["OP_NODE_MIGRATE"], PrePost, HookNodes.IncludesMaster,
            "master (each instance moved fires instance-migrate too)", ["NODE_NAME", "ALLOW_RUNTIME_CHANGES"]),
        new("node-modify", Node, ["OP_NODE_SET_PARAMS"], PrePost, HookNodes.IncludesMaster,
            "master and the node", ["OP_TARGET", "MASTER_CANDIDATE", "OFFLINE", "DRAINED", "MASTER_CAPABLE", "VM_CAPABLE"]),
        new("node-remove", Node, ["OP_NODE_REMOVE"], PrePost, HookNodes.IncludesMaster,
            "every node but the one removed", ["OP_TARGET", "NODE_NAME"]),
    ];
}
