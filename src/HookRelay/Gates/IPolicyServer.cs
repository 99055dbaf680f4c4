namespace HookRelay.Gates;

/// <summary>A gate policy that asks a server (an http policy, NetBox); whatever goes wrong becomes an error or timeout verdict that the gate's on_error decides.</summary>
public interface IPolicyServer : IDisposable
{
    TimeSpan Timeout { get; }

    /// <summary>
    /// Asks about the event (its CloudEvent JSON), waiting at most <paramref name="limit"/>;
    /// <paramref name="limitIsBudget"/> says the gate budget, not the gate's own timeout, set the limit (the message says which).
    /// </summary>
    Task<GateVerdict> AskAsync(byte[] cloudEvent, TimeSpan limit, bool limitIsBudget, CancellationToken cancellationToken);
}
