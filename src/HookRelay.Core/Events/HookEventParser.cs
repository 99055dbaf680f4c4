using System.Collections;

namespace HookRelay.Events;

/// <summary>Turns the environment of one hook run into a <see cref="HookEvent"/>. Never throws on bad input.</summary>
public static class HookEventParser
{
    public const string Prefix = "GANETI_";
    private const string PostPrefix = "GANETI_POST_";

    /// <summary>Keeps only GANETI_* variables; everything else (PATH, LC_CTYPE) is not Ganeti's data.</summary>
    public static OrdinalDictionary GanetiVariables(IEnumerable<KeyValuePair<string, string>> environment)
    {
        if (environment is OrdinalDictionary map)
        {
            // Sorted keys that share the prefix are one run: all of them, or a slice.
            var (start, length) = map.RangeOf(Prefix).GetOffsetAndLength(map.Count);
            if (length == map.Count)
            {
                return map;
            }
            var slice = new OrdinalDictionary.Builder(length);
            for (var i = start; i < start + length; i++)
            {
                slice.Add(map.At(i).Key, map.At(i).Value);
            }
            return slice.Build();
        }
        var vars = new OrdinalDictionary.Builder(64);
        foreach (var (key, value) in environment)
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                vars.Add(key, value ?? "");
            }
        }
        return vars.Build();
    }

    public static OrdinalDictionary GanetiVariables(IDictionary environment)
    {
        var vars = new OrdinalDictionary.Builder(64);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                vars.Add(key, entry.Value as string ?? "");
            }
        }
        return vars.Build();
    }

    /// <summary>What every run reads first, to know which configuration applies to it.</summary>
    public static readonly IReadOnlyList<string> RunVariables = ["GANETI_HOOKS_PATH", "GANETI_HOOKS_PHASE", "GANETI_HOOKS_VERSION"];

    /// <summary>
    /// What a run with nothing to do reads: its path, phase and hooks version, and what
    /// <see cref="TargetOf"/> reads (<see cref="OperationTarget"/>, <see cref="GanetiEnvCorrections"/>).
    /// A test holds <see cref="TargetOf"/> to the same answer from these alone as from every
    /// variable, for every capture and catalog path.
    /// </summary>
    public static readonly IReadOnlyList<string> IdleRunVariables =
    [
        .. RunVariables,
        "GANETI_OP_TARGET", "GANETI_OBJECT_TYPE", "GANETI_CLUSTER", "GANETI_MASTER",
        "GANETI_INSTANCE_NAME", "GANETI_NODE_NAME", "GANETI_GROUP_NAME", "GANETI_NETWORK_NAME", "GANETI_OLD_NAME",
    ];

    /// <summary>
    /// Only what the run is about (<see cref="HookEvent.Target"/>), for a run that records itself
    /// and does nothing else: the whole event is not needed there.
    /// </summary>
    public static string? TargetOf(OrdinalDictionary ganetiVars, string localNode)
    {
        var env = new EnvReader(ganetiVars);
        var hook = env.Get("GANETI_HOOKS_PATH") ?? "";
        return OperationTarget.Of(env, hook, GanetiEnvCorrections.Read(env, hook), localNode);
    }

    public static HookEvent Parse(OrdinalDictionary variables, string localNode)
    {
        var ganetiVars = GanetiVariables(variables);
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
            Migrate = hook == "instance-migrate" || env.Has("GANETI_MIGRATE_LIVE") ? ParseMove(env, "MIGRATE") : null,
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
        foreach (var (index, key, value) in env.WithPrefix(nodeTagsPrefix))
        {
            nodeTags[key[nodeTagsPrefix.Length..]] = GanetiValues.List(value);
            env.Consume(index);
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
        if (!env.Has("GANETI_DISK") || !env.Has("GANETI_AMOUNT"))
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
                SrcImages = env.Has("GANETI_SRC_IMAGES") ? GanetiValues.List(env.Get("GANETI_SRC_IMAGES")) : null,
            }
            : null;

    private static PostState? ParsePost(EnvReader env, InstanceInfo? postInstance)
    {
        var vars = new OrdinalDictionary.Builder();
        // What the post instance already holds is not repeated here.
        foreach (var (index, key, value) in env.WithPrefix(PostPrefix))
        {
            if (!env.IsConsumed(index))
            {
                vars.Add(NameCache.Lower(key.AsSpan(PostPrefix.Length)), value);
                env.Consume(index);
            }
        }
        return vars.Count == 0 && postInstance is null ? null : new PostState { Instance = postInstance, Vars = vars.Build() };
    }

    private static OrdinalDictionary Leftovers(EnvReader env)
    {
        var rest = new OrdinalDictionary.Builder();
        for (var i = 0; i < env.Vars.Count; i++)
        {
            if (!env.IsConsumed(i))
            {
                var (key, value) = env.Vars.At(i);
                rest.Add(NameCache.Lower(key.AsSpan(Prefix.Length)), value);
            }
        }
        return rest.Build();
    }
}
