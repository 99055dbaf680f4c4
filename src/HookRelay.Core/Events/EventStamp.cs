namespace HookRelay.Events;

/// <summary>
/// Which HookRelay delivered an event, on the node the hook ran on: its version and the SHA-256 of
/// the configuration it had in force, as CloudEvents extension attributes (hookrelayversion,
/// confighash), so a receiver of many nodes' events sees a node that runs another build or
/// another configuration (`hookrelay cluster check` compares the same two). Events are rendered
/// by the daemon of that node, so the stamp is the daemon's: <see cref="Current"/> is set by
/// `serve` when it loads or reloads its configuration. The hook stores no stamp (working it out
/// would cost every hook run a SHA-256 of the file).
/// </summary>
public sealed record EventStamp(string Version, string ConfigHash)
{
    public const string VersionAttribute = "hookrelayversion";
    public const string ConfigAttribute = "confighash";

    private static EventStamp? _current;

    /// <summary>The stamp events rendered in this process get; null (no stamp) outside serve.</summary>
    public static EventStamp? Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}
