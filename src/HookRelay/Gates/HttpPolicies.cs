using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>Asks the policy servers of the gates that have one (http policies, NetBox), all at once, within the gate budget.</summary>
public static class HttpPolicies
{
    /// <summary>An <see cref="HttpPolicyAsk"/> in this process.</summary>
    public static IReadOnlyList<GateVerdict> Ask(IReadOnlyList<GateConfig> gates, HookEvent ev, DateTimeOffset now, TimeSpan budget,
        CancellationToken cancellationToken) =>
        AskAllAsync(gates, ev, now, budget, cancellationToken).GetAwaiter().GetResult();

    /// <summary>Asks every server at once: the slowest one, not their sum, bounds the hook.</summary>
    public static async Task<GateVerdict[]> AskAllAsync(IReadOnlyList<GateConfig> gates, HookEvent ev, DateTimeOffset now, TimeSpan budget, CancellationToken cancellationToken)
    {
        var cloudEvent = CloudEvent.For(ev, now).ToJsonUtf8();
        var servers = new List<IPolicyServer>();
        try
        {
            var asks = new List<Task<GateVerdict>>();
            foreach (var gate in gates)
            {
                IPolicyServer server;
                try
                {
                    server = gate.Remote!.Kind == RemotePolicyConfig.NetBoxKind ? new NetBoxPolicy(gate, gate.Remote) : new HttpPolicy(gate, gate.Remote);
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException or SecretException)
                {
                    // A secret file that cannot be read, a CA file without certificates.
                    asks.Add(Task.FromResult(GateVerdict.Undecided(gate.Name, GateOutcome.Error, e.Message, gate.OnError)));
                    continue;
                }
                servers.Add(server);
                var limit = server.Timeout <= budget ? server.Timeout : budget;
                asks.Add(server.AskAsync(cloudEvent, limit, server.Timeout > budget, cancellationToken));
            }
            return await Task.WhenAll(asks).ConfigureAwait(false);
        }
        finally
        {
            servers.ForEach(p => p.Dispose());
        }
    }
}
