namespace HookRelay.Events;

/// <summary>
/// One Ganeti hook run, typed. Built only from the environment Ganeti gives the hook plus
/// the name of the node it runs on, so the same input always yields the same event.
/// Every raw GANETI_* variable is kept in <see cref="Env"/>: the typed view never drops data.
/// </summary>
public sealed record HookEvent
{
    public required string HooksVersion { get; init; }
    public required string Hook { get; init; }
    public required string Phase { get; init; }
    /// <summary>False when the hooks path or hooks version is not in the catalog (a generic event).</summary>
    public required bool KnownHook { get; init; }
    public string? OpCode { get; init; }
    public string? ObjectType { get; init; }
    public string? Target { get; init; }
    public string? Cluster { get; init; }
    public string? Master { get; init; }
    public string? DataDir { get; init; }
    public required NodeContext Node { get; init; }

    public InstanceInfo? Instance { get; init; }
    public NodeTargetInfo? NodeTarget { get; init; }
    public GroupInfo? Group { get; init; }
    public NetworkInfo? Network { get; init; }
    public ClusterInfo? ClusterInfo { get; init; }

    public MoveInfo? Migrate { get; init; }
    public MoveInfo? Failover { get; init; }
    public DiskGrowInfo? DiskGrow { get; init; }
    public RenameInfo? Rename { get; init; }
    public RebootInfo? Reboot { get; init; }
    public AddInfo? Add { get; init; }

    /// <summary>Operation-specific variables that have no typed home, lower-cased, without prefix.</summary>
    public required OrdinalDictionary Params { get; init; }

    /// <summary>The state after the operation (GANETI_POST_*), present in the post phase only.</summary>
    public PostState? Post { get; init; }

    /// <summary>Every GANETI_* variable exactly as given.</summary>
    public required OrdinalDictionary Env { get; init; }

    /// <summary>The verdicts of the gates that ran on this pre hook, on the node that ran them; null when none ran.</summary>
    public IReadOnlyList<GateResult>? Gates { get; init; }

    /// <summary>Post phase: when this operation's pre run started on this node, and how long ago; null when no pre run was seen.</summary>
    public RunTiming? Timing { get; init; }

    /// <summary>The Ganeti job that ran this hook, joined by the daemon from the job queue; null where it does not look (not a Ganeti node).</summary>
    public JobLink? Job { get; init; }
}

/// <summary>An operation's start (its pre hook on this node) and duration up to its post hook.</summary>
public sealed record RunTiming(DateTimeOffset StartedAt, long DurationMs);

/// <summary>
/// One gate's decision as the event carries it. Verdict is "allow", "deny", "error" or "timeout";
/// allowed says whether it let the operation go on (an error or timeout decides by on_error).
/// </summary>
public sealed record GateResult(string Name, string Verdict, bool Allowed, string Reason);

public sealed record NodeContext
{
    public required string Name { get; init; }
    /// <summary>master, primary, secondary, old_primary, new_primary, old_secondary, new_secondary, target.</summary>
    public required IReadOnlyList<string> Roles { get; init; }
}

public sealed record InstanceInfo
{
    public required string Name { get; init; }
    public string? Primary { get; init; }
    public required IReadOnlyList<string> Secondaries { get; init; }
    public string? Os { get; init; }
    /// <summary>As Ganeti gives it: "up"/"down" or a Python boolean, depending on version and phase.</summary>
    public string? Status { get; init; }
    public long? MemoryMib { get; init; }
    public long? MinmemMib { get; init; }
    public long? MaxmemMib { get; init; }
    public int? Vcpus { get; init; }
    public string? DiskTemplate { get; init; }
    public string? Hypervisor { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public required IReadOnlyList<DiskInfo> Disks { get; init; }
    public required IReadOnlyList<NicInfo> Nics { get; init; }
    public required OrdinalDictionary Be { get; init; }
    public required OrdinalDictionary Hv { get; init; }
}

public sealed record DiskInfo
{
    public required int Index { get; init; }
    public long? SizeMib { get; init; }
    public string? Mode { get; init; }
    public string? Name { get; init; }
    public string? Uuid { get; init; }
    public string? DevType { get; init; }
    public string? Driver { get; init; }
    public string? Id { get; init; }
    /// <summary>Per-disk variables without a typed field (lower-cased suffix → value).</summary>
    public required OrdinalDictionary Extra { get; init; }
}

public sealed record NicInfo
{
    public required int Index { get; init; }
    public string? Name { get; init; }
    public string? Ip { get; init; }
    public string? Mac { get; init; }
    public string? Mode { get; init; }
    public string? Link { get; init; }
    public string? Bridge { get; init; }
    public string? Vlan { get; init; }
    public string? Uuid { get; init; }
    public NicNetworkInfo? Network { get; init; }
    public required OrdinalDictionary Extra { get; init; }
}

public sealed record NicNetworkInfo
{
    public string? Name { get; init; }
    public string? Uuid { get; init; }
    public string? Subnet { get; init; }
    public string? Subnet6 { get; init; }
    public string? Gateway { get; init; }
    public string? Gateway6 { get; init; }
    public string? MacPrefix { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
}

/// <summary>The node an operation targets (node-add, node-modify, ...), not the node the hook runs on.</summary>
public sealed record NodeTargetInfo
{
    public required string Name { get; init; }
    public bool? MasterCandidate { get; init; }
    public bool? Drained { get; init; }
    public bool? Offline { get; init; }
    public bool? MasterCapable { get; init; }
    public bool? VmCapable { get; init; }
}

public sealed record GroupInfo
{
    public required string Name { get; init; }
    public string? NetworkMode { get; init; }
    public string? NetworkLink { get; init; }
    public string? NetworkVlan { get; init; }
}

public sealed record NetworkInfo
{
    public required string Name { get; init; }
    public string? Subnet { get; init; }
    public string? Gateway { get; init; }
    public string? Subnet6 { get; init; }
    public string? Gateway6 { get; init; }
    public string? MacPrefix { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
}

public sealed record ClusterInfo
{
    public required IReadOnlyList<string> Tags { get; init; }
    /// <summary>cluster-verify gives each node's tags as GANETI_NODE_TAGS_&lt;node&gt;.</summary>
    public required SortedDictionary<string, IReadOnlyList<string>> NodeTags { get; init; }
}

/// <summary>instance-migrate and instance-failover. OLD/NEW_PRIMARY are right in both phases; POST_OLD_PRIMARY is stale.</summary>
public sealed record MoveInfo
{
    public bool? Live { get; init; }
    public bool? Cleanup { get; init; }
    public string? OldPrimary { get; init; }
    public string? NewPrimary { get; init; }
    public string? OldSecondary { get; init; }
    public string? NewSecondary { get; init; }
}

public sealed record DiskGrowInfo
{
    public int? Disk { get; init; }
    public long? AmountMib { get; init; }
    public bool? Absolute { get; init; }
    /// <summary>The disk's size before the operation, from GANETI_INSTANCE_DISK&lt;n&gt;_SIZE.</summary>
    public long? OldSizeMib { get; init; }
    /// <summary>The disk's size after it, from GANETI_POST_INSTANCE_DISK&lt;n&gt;_SIZE (post phase only).</summary>
    public long? NewSizeMib { get; init; }
}

public sealed record RenameInfo
{
    public string? OldName { get; init; }
    public string? NewName { get; init; }
}

public sealed record RebootInfo
{
    public string? Type { get; init; }
    public bool? IgnoreSecondaries { get; init; }
    public long? ShutdownTimeout { get; init; }
}

public sealed record AddInfo
{
    public string? Mode { get; init; }
    public string? SrcNode { get; init; }
    public string? SrcPath { get; init; }
    public IReadOnlyList<string>? SrcImages { get; init; }
}

public sealed record PostState
{
    public InstanceInfo? Instance { get; init; }
    /// <summary>The GANETI_POST_* variables not already in <see cref="Instance"/>, lower-cased, without the prefix.</summary>
    public required OrdinalDictionary Vars { get; init; }
}
