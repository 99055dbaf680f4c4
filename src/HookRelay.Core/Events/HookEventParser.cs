using System.Collections;

namespace HookRelay.Events;

/// <summary>Turns the environment of one hook run into a <see cref="HookEvent"/>. Never throws on bad input.</summary>
public static class HookEventParser
{
    public const string Prefix = "GANETI_";
    private const string PostPrefix = "GANETI_POST_";

    /// <summary>Keeps only GANETI_* variables; everything else (PATH, LC_CTYPE) is not Ganeti's data.</summary>
    public static SortedDictionary<string, string> GanetiVariables(IEnumerable<KeyValuePair<string, string>> environment)
    {
        var vars = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in environment)
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                vars[key] = value ?? "";
            }
        }
        return vars;
    }

    public static SortedDictionary<string, string> GanetiVariables(IDictionary environment)
    {
        var pairs = new List<KeyValuePair<string, string>>(environment.Count);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key)
            {
                pairs.Add(new(key, entry.Value as string ?? ""));
            }
        }
        return GanetiVariables(pairs);
    }

    /// <summary>
    /// Only what the run is about (<see cref="HookEvent.Target"/>), for a run that records itself
    /// and does nothing else: the whole event is not needed there.
    /// </summary>
    public static string? TargetOf(SortedDictionary<string, string> ganetiVars, string localNode)
    {
        var env = new EnvReader(ganetiVars);
        var hook = env.Get("GANETI_HOOKS_PATH") ?? "";
        return OperationTarget.Of(env, hook, GanetiEnvCorrections.Read(env, hook), localNode);
    }

    public static HookEvent Parse(SortedDictionary<string, string> variables, string localNode)
    {
        var ganetiVars = variables.Keys.All(k => k.StartsWith(Prefix, StringComparison.Ordinal))
            ? variables
            : GanetiVariables((IEnumerable<KeyValuePair<string, string>>)variables);
        var env = new EnvReader(ganetiVars);
        var version = env.Get("GANETI_HOOKS_VERSION") ?? "";
        var hook = env.Get("GANETI_HOOKS_PATH") ?? "";
        var phase = env.Get("GANETI_HOOKS_PHASE") ?? "";
        var identity = GanetiEnvCorrections.Read(env, hook);
        var objectType = identity.ObjectType;
        var target = OperationTarget.Of(env, hook, identity, localNode);
        var instance = InstanceParser.Parse(env, "GANETI_INSTANCE_");
        var postInstance = InstanceParser.Parse(env, "GANETI_POST_INSTANCE_");

        var partial = new HookEvent
        {
            HooksVersion = version,
            Hook = hook,
            Phase = phase,
            KnownHook = version == HooksCatalog.SupportedHooksVersion && HooksCatalog.Find(hook) is not null,
            OpCode = env.Get("GANETI_OP_CODE"),
            ObjectType = objectType,
            Target = target,
            Cluster = identity.Cluster,
            Master = identity.Master,
            DataDir = env.Get("GANETI_DATA_DIR"),
            Node = new NodeContext { Name = localNode, Roles = [] },
            Instance = instance,
            NodeTarget = objectType == "NODE" && target is not null ? ParseNodeTarget(env, target) : null,
            Group = ParseGroup(env),
            Network = ParseNetwork(env),
            ClusterInfo = ParseClusterInfo(env),
            Migrate = hook == "instance-migrate" || env.Vars.ContainsKey("GANETI_MIGRATE_LIVE") ? ParseMove(env, "MIGRATE") : null,
            Failover = hook == "instance-failover" ? ParseMove(env, "FAILOVER") : null,
            DiskGrow = ParseDiskGrow(env, instance, postInstance),
            Rename = ParseRename(env, instance, target),
            Reboot = ParseReboot(env),
            Add = ParseAdd(env),
            Post = ParsePost(env, postInstance),
            Params = [],
            Env = ganetiVars,
        };
        var ev = partial with { Params = Leftovers(env) };
        return ev with { Node = new NodeContext { Name = localNode, Roles = NodeRoles.Compute(ev, localNode) } };
    }

    private static NodeTargetInfo ParseNodeTarget(EnvReader env, string target) => new()
    {
        Name = env.Get("GANETI_NODE_NAME") ?? target,
        MasterCandidate = GanetiValues.Bool(env.Get("GANETI_MASTER_CANDIDATE")),
        Drained = GanetiValues.Bool(env.Get("GANETI_DRAINED")),
        Offline = GanetiValues.Bool(env.Get("GANETI_OFFLINE")),
        MasterCapable = GanetiValues.Bool(env.Get("GANETI_MASTER_CAPABLE")),
        VmCapable = GanetiValues.Bool(env.Get("GANETI_VM_CAPABLE")),
    };

    private static GroupInfo? ParseGroup(EnvReader env) =>
        env.Get("GANETI_GROUP_NAME") is { } name
            ? new GroupInfo
            {
                Name = name,
                NetworkMode = env.Get("GANETI_GROUP_NETWORK_MODE"),
                NetworkLink = env.Get("GANETI_GROUP_NETWORK_LINK"),
                NetworkVlan = env.Get("GANETI_GROUP_NETWORK_VLAN"),
            }
            : null;

    private static NetworkInfo? ParseNetwork(EnvReader env) =>
        env.Get("GANETI_NETWORK_NAME") is { } name
            ? new NetworkInfo
            {
                Name = name,
                Subnet = GanetiValues.NullIfEmpty(env.Get("GANETI_NETWORK_SUBNET")),
                Gateway = GanetiValues.NullIfEmpty(env.Get("GANETI_NETWORK_GATEWAY")),
                Subnet6 = GanetiValues.NullIfEmpty(env.Get("GANETI_NETWORK_SUBNET6")),
                Gateway6 = GanetiValues.NullIfEmpty(env.Get("GANETI_NETWORK_GATEWAY6")),
                MacPrefix = GanetiValues.NullIfEmpty(env.Get("GANETI_NETWORK_MAC_PREFIX")),
                Tags = GanetiValues.List(env.Get("GANETI_NETWORK_TAGS")),
            }
            : null;

    private static ClusterInfo? ParseClusterInfo(EnvReader env)
    {
        const string nodeTagsPrefix = "GANETI_NODE_TAGS_";
        var clusterTags = env.Get("GANETI_CLUSTER_TAGS");
        var nodeTags = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, value) in env.WithPrefix(nodeTagsPrefix))
        {
            nodeTags[key[nodeTagsPrefix.Length..]] = GanetiValues.List(value);
            env.Consume(key);
        }
        return clusterTags is null && nodeTags.Count == 0
            ? null
            : new ClusterInfo { Tags = GanetiValues.List(clusterTags), NodeTags = nodeTags };
    }

    private static MoveInfo ParseMove(EnvReader env, string kind) => new()
    {
        Live = GanetiValues.Bool(env.Get("GANETI_MIGRATE_LIVE")),
        Cleanup = GanetiValues.Bool(env.Get($"GANETI_{kind}_CLEANUP")),
        OldPrimary = env.Get("GANETI_OLD_PRIMARY"),
        NewPrimary = env.Get("GANETI_NEW_PRIMARY"),
        OldSecondary = GanetiValues.NullIfEmpty(env.Get("GANETI_OLD_SECONDARY")),
        NewSecondary = GanetiValues.NullIfEmpty(env.Get("GANETI_NEW_SECONDARY")),
    };

    private static DiskGrowInfo? ParseDiskGrow(EnvReader env, InstanceInfo? before, InstanceInfo? after)
    {
        if (!env.Vars.ContainsKey("GANETI_DISK") || !env.Vars.ContainsKey("GANETI_AMOUNT"))
        {
            return null;
        }
        var disk = GanetiValues.Int(env.Get("GANETI_DISK"));
        return new DiskGrowInfo
        {
            Disk = disk,
            AmountMib = GanetiValues.Long(env.Get("GANETI_AMOUNT")),
            Absolute = GanetiValues.Bool(env.Get("GANETI_ABSOLUTE")),
            OldSizeMib = before?.Disks.FirstOrDefault(d => d.Index == disk)?.SizeMib,
            NewSizeMib = after?.Disks.FirstOrDefault(d => d.Index == disk)?.SizeMib,
        };
    }

    /// <summary>
    /// An instance rename names the new name GANETI_INSTANCE_NEW_NAME (the old one is still the
    /// instance's name, also in the post phase); group, network and cluster renames say
    /// GANETI_OLD_NAME (cluster: the target) and GANETI_NEW_NAME.
    /// </summary>
    private static RenameInfo? ParseRename(EnvReader env, InstanceInfo? instance, string? target)
    {
        if (env.Get("GANETI_INSTANCE_NEW_NAME") is { } newInstanceName)
        {
            return new RenameInfo { OldName = instance?.Name, NewName = newInstanceName };
        }
        return env.Get("GANETI_NEW_NAME") is { } newName
            ? new RenameInfo { OldName = env.Get("GANETI_OLD_NAME") ?? target, NewName = newName }
            : null;
    }

    private static RebootInfo? ParseReboot(EnvReader env) =>
        env.Get("GANETI_REBOOT_TYPE") is { } type
            ? new RebootInfo
            {
                Type = type,
                IgnoreSecondaries = GanetiValues.Bool(env.Get("GANETI_IGNORE_SECONDARIES")),
                ShutdownTimeout = GanetiValues.Long(env.Get("GANETI_SHUTDOWN_TIMEOUT")),
            }
            : null;

    private static AddInfo? ParseAdd(EnvReader env) =>
        env.Get("GANETI_ADD_MODE") is { } mode
            ? new AddInfo
            {
                Mode = mode,
                SrcNode = GanetiValues.NullIfEmpty(env.Get("GANETI_SRC_NODE")),
                SrcPath = GanetiValues.NullIfEmpty(env.Get("GANETI_SRC_PATH")),
                SrcImages = env.Vars.ContainsKey("GANETI_SRC_IMAGES") ? GanetiValues.List(env.Get("GANETI_SRC_IMAGES")) : null,
            }
            : null;

    private static PostState? ParsePost(EnvReader env, InstanceInfo? postInstance)
    {
        var vars = new SortedDictionary<string, string>(StringComparer.Ordinal);
        // What the post instance already holds is not repeated here.
        foreach (var (key, value) in env.WithPrefix(PostPrefix).Where(kv => !env.IsConsumed(kv.Key)).ToList())
        {
            vars[key[PostPrefix.Length..].ToLowerInvariant()] = value;
            env.Consume(key);
        }
        return vars.Count == 0 && postInstance is null ? null : new PostState { Instance = postInstance, Vars = vars };
    }

    private static SortedDictionary<string, string> Leftovers(EnvReader env)
    {
        var rest = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in env.Vars)
        {
            if (!env.IsConsumed(key))
            {
                rest[key[Prefix.Length..].ToLowerInvariant()] = value;
            }
        }
        return rest;
    }
}
