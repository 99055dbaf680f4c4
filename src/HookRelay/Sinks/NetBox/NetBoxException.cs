namespace HookRelay.Sinks.NetBox;

/// <summary>NetBox refused or could not be reached. <see cref="Retry"/>: worth trying again later (429, 5xx, no answer); otherwise the request itself was wrong.</summary>
public sealed class NetBoxException(string message, bool retry, TimeSpan? after = null) : Exception(message)
{
    public bool Retry { get; } = retry;

    /// <summary>How long NetBox asked to be left alone (Retry-After on a 429).</summary>
    public TimeSpan? After { get; } = after;
}
