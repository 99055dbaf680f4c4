namespace HookRelay.Sinks.Dns;

/// <summary>
/// A DNS server HookRelay reads and writes: PowerDNS through its HTTP API, or any server through
/// RFC 2136 updates. Reads return only the types HookRelay manages (<see cref="DnsTypes.Managed"/>);
/// a write replaces or deletes whole RRsets of one zone, at once where the server allows.
/// Failures are <see cref="DnsProviderException"/>s that say whether trying again can help.
/// </summary>
public interface IDnsProvider : IDisposable
{
    /// <summary>What the server is, safe to print (no key).</summary>
    string Display { get; }

    /// <summary>How many RRset changes go in one write (one PATCH, one UPDATE message): a zone's plan is written in pieces of this size.</summary>
    int ChangesPerWrite { get; }

    /// <summary>The managed sets at <paramref name="names"/> (absolute), each in the zone of <paramref name="zones"/> that holds it.</summary>
    Task<IReadOnlyList<RecordSet>> ReadAsync(IReadOnlyCollection<string> names, IReadOnlyList<string> zones, CancellationToken cancellationToken);

    /// <summary>Every managed set of <paramref name="zone"/>.</summary>
    Task<IReadOnlyList<RecordSet>> ReadZoneAsync(string zone, CancellationToken cancellationToken);

    Task ApplyAsync(string zone, IReadOnlyList<RecordChange> changes, CancellationToken cancellationToken);
}

/// <summary>The server refused or could not be reached; <see cref="Retry"/> says whether asking again may help.</summary>
public sealed class DnsProviderException(string message, bool retry) : Exception(message)
{
    public bool Retry { get; } = retry;
}
