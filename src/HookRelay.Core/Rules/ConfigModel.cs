namespace HookRelay.Rules;

/// <summary>Where in the configuration file something was written, for messages that point at it.</summary>
public readonly record struct SourcePosition(string File, long Line, long Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

public enum OnNode
{
    Once,
    Master,
    Primary,
    Secondaries,
    OldPrimary,
    NewPrimary,
    All,
}

public enum ErrorPolicy
{
    Allow,
    Deny,
}

public sealed record HookSettings
{
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultGateBudget = TimeSpan.FromSeconds(5);

    public TimeSpan Budget { get; init; } = DefaultBudget;
    /// <summary>How long all http policies of one pre hook may take together (they are asked at once).</summary>
    public TimeSpan GateBudget { get; init; } = DefaultGateBudget;
    public ErrorPolicy OnInternalError { get; init; } = ErrorPolicy.Allow;
    /// <summary>Whether each run appends a line to state_dir/hook-runs.jsonl (what it did, how long it took).</summary>
    public bool Journal { get; init; } = true;
}

/// <summary>What a hook does when it queued an event and no `hookrelay serve` answered its wake-up.</summary>
public enum WithoutDaemon
{
    /// <summary>Start a detached one-shot `hookrelay serve --drain` that delivers what is due and exits.</summary>
    Spawn,
    /// <summary>Leave the rows for a daemon started later.</summary>
    Keep,
}

/// <summary>The outbox and the daemon: what happens without a daemon, how long finished rows are kept, how big the database may grow.</summary>
public sealed record DeliverySettings
{
    public WithoutDaemon WithoutDaemon { get; init; } = WithoutDaemon.Spawn;
    /// <summary>Delivered rows are kept this long, for `replay --since`.</summary>
    public TimeSpan KeepDelivered { get; init; } = TimeSpan.FromDays(7);
    /// <summary>Dead letters are kept this long unless replayed or dropped.</summary>
    public TimeSpan KeepDead { get; init; } = TimeSpan.FromDays(30);
    public long MaxDbBytes { get; init; } = 512L * 1024 * 1024;
    /// <summary>
    /// Whether a hook's commit waits for the disk (SQLite synchronous=FULL). Off, a queued event
    /// survives a crash of any process but not a power cut in the second after it was queued.
    /// </summary>
    public bool Fsync { get; init; } = true;
}

/// <summary>
/// The daemon's HTTP listener (`hookrelay serve`): /metrics for Prometheus. Off unless the file has
/// a `web:` section; on this node's loopback by default. Bound beyond it, every request must carry
/// the token.
/// </summary>
public sealed record WebSettings
{
    public const string DefaultListen = "127.0.0.1:9786";

    /// <summary>host:port, "[v6]:port", or "*:port" for every address.</summary>
    public string Listen { get; init; } = DefaultListen;

    /// <summary>The bearer token, raw (a secret reference is resolved when the listener starts); null for none.</summary>
    public string? Token { get; init; }

    public SourcePosition Position { get; init; }
}

/// <summary>
/// The `jobs:` section: where the master's daemon reads Ganeti's jobs (Source: auto, queue or
/// rapi), and the RAPI's settings as a sink's ("rapi.url", "rapi.user"…), raw until read.
/// </summary>
public sealed record JobsSettings(string Source, SinkConfig Settings)
{
    public static JobsSettings Default { get; } = new("auto", new SinkConfig("jobs", "jobs", new Dictionary<string, string>(), default));

    /// <summary>Whether a RAPI is set to read jobs from.</summary>
    public bool HasRapi => Settings.Settings.ContainsKey("rapi.url");
}

/// <summary>A named sink. Settings stay raw (secret references unresolved) until a sink is built.</summary>
public sealed record SinkConfig(string Name, string Type, IReadOnlyDictionary<string, string> Settings, SourcePosition Position)
{
    /// <summary>Where each setting is written ("url", "auth.bearer", "to[1]"), so a problem with one is reported at it.</summary>
    public IReadOnlyDictionary<string, SourcePosition> SettingPositions { get; init; } = new Dictionary<string, SourcePosition>();

    /// <summary>The configuration key a flattened setting belongs to: "headers" for "headers.X-A", "tags" for "tags[0]".</summary>
    public static string TopKey(string setting) =>
        setting.AsSpan().IndexOfAny('.', '[') is var end and >= 0 ? setting[..end] : setting;

    /// <summary>Where <paramref name="setting"/> is written, else the key it belongs to ("to" for "to[3]"), else the sink.</summary>
    public SourcePosition PositionOf(string? setting)
    {
        for (var key = setting; key is { Length: > 0 }; key = key[..Math.Max(0, key.AsSpan().LastIndexOfAny('.', '['))])
        {
            if (SettingPositions.TryGetValue(key, out var position))
            {
                return position;
            }
        }
        return Position;
    }
}

public sealed record RouteConfig(
    string Name,
    OnNode OnNode,
    IReadOnlyList<Matcher> Matchers,
    IReadOnlyList<string> To,
    string? Text,
    SourcePosition Position);

/// <summary>
/// A gate's policy that asks a server, in the full hookrelay (the lean hook has no HTTP): kind
/// "http" (url, timeout and the HTTP settings sinks have: headers, auth, ca_file, insecure, raw
/// like a sink's), or "netbox" (<see cref="Sink"/>: the netbox sink whose NetBox it asks).
/// </summary>
public sealed record RemotePolicyConfig(string Kind, SinkConfig Settings, TimeSpan Timeout, string? Sink = null)
{
    public const string HttpKind = "http";
    public const string NetBoxKind = "netbox";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);
}

public sealed record GateConfig(
    string Name,
    OnNode OnNode,
    IReadOnlyList<Matcher> Matchers,
    IReadOnlyList<Gates.IGatePolicy> Policies,
    RemotePolicyConfig? Remote,
    ErrorPolicy OnError,
    SourcePosition Position);

/// <summary>
/// A node-local action (disk_resize, cpu_pinning, shaping) and its raw settings. When it runs is
/// the action's own (<see cref="NodeActionTriggers"/>); <see cref="Matchers"/> narrow that further
/// (only instances tagged pin, say), like a route's.
/// </summary>
public sealed record ActionConfig(string Name, bool Enabled, IReadOnlyDictionary<string, string> Settings, SourcePosition Position)
{
    public IReadOnlyList<Matcher> Matchers { get; init; } = [];

    /// <summary>Whether this version runs it; a planned action is parsed and shown by simulate, never queued.</summary>
    public bool Runs { get; init; }

    /// <summary>Where each setting is written, as <see cref="SinkConfig.SettingPositions"/>.</summary>
    public IReadOnlyDictionary<string, SourcePosition> SettingPositions { get; init; } = new Dictionary<string, SourcePosition>();
}

public sealed record HookRelayConfig
{
    public const string DefaultPath = "/etc/hookrelay/hookrelay.yaml";
    public const string PathVariable = "HOOKRELAY_CONFIG";

    /// <summary>
    /// The file every command and the hook read unless told otherwise: $HOOKRELAY_CONFIG, else the
    /// default path (which is what Ganeti's hooks see, as Ganeti empties their environment).
    /// </summary>
    public static string ConfiguredPath => Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultPath;
    public const string DefaultStateDir = "/var/lib/hookrelay";

    public required string SourcePath { get; init; }

    private byte[]? _content;
    private Func<byte[]>? _readContent;

    /// <summary>The file's bytes as loaded.</summary>
    public required byte[] Content
    {
        get => _content ??= _readContent!();
        init => (_content, _readContent) = (value, null);
    }

    /// <summary>
    /// Where <see cref="Content"/> is read from when first asked: a hook's slice of a compiled
    /// snapshot, whose run needs the file's bytes only to report their hash, never to run.
    /// </summary>
    internal Func<byte[]> ContentFrom
    {
        init => (_content, _readContent) = (null, value);
    }

    /// <summary>
    /// SHA-256 of the file's bytes, so every node can be checked to run the same configuration.
    /// Computed on demand: it loads OpenSSL, which the hook path does not need.
    /// </summary>
    public string Hash => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Content));
    public string StateDir { get; init; } = DefaultStateDir;
    public string? NodeName { get; init; }
    public HookSettings Hook { get; init; } = new();
    public DeliverySettings Delivery { get; init; } = new();
    /// <summary>The daemon's HTTP listener; null when the file has no `web:` section.</summary>
    public WebSettings? Web { get; init; }
    public IReadOnlyDictionary<string, SinkConfig> Sinks { get; init; } = new Dictionary<string, SinkConfig>();
    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];
    public IReadOnlyList<GateConfig> Gates { get; init; } = [];
    public IReadOnlyList<ActionConfig> Actions { get; init; } = [];
    public JobsSettings Jobs { get; init; } = JobsSettings.Default;
    /// <summary>Things that are valid but worth saying (features configured that this version does not run yet).</summary>
    public IReadOnlyList<ConfigError> Warnings { get; init; } = [];
}
