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

    /// <summary>Why an ask ran out of time, naming which limit it was: what is left of the gate budget, or the gate's own timeout.</summary>
    static string TimedOut(string server, TimeSpan limit, bool limitIsBudget) => limitIsBudget
        ? $"the gate budget (hook.gate_budget, {limit.TotalSeconds:0.###} s left) ran out before {server} answered"
        : $"{server} did not answer within {limit.TotalSeconds:0.###} s";
}
