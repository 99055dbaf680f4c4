using System.Buffers;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>Asks the http policies of the gates that need them, all at once, within the gate budget.</summary>
public static class HttpPolicies
{
    /// <summary>An <see cref="HttpPolicyAsk"/> in this process.</summary>
    public static IReadOnlyList<GateVerdict> Ask(IReadOnlyList<GateConfig> gates, HookEvent ev, DateTimeOffset now, TimeSpan budget,
        CancellationToken cancellationToken) =>
        AskAllAsync(gates, ev, now, budget, cancellationToken).GetAwaiter().GetResult();

    /// <summary>Asks every http policy at once: the slowest one, not their sum, bounds the hook.</summary>
    public static async Task<GateVerdict[]> AskAllAsync(IReadOnlyList<GateConfig> gates, HookEvent ev, DateTimeOffset now, TimeSpan budget, CancellationToken cancellationToken)
    {
        var input = Input(CloudEvent.For(ev, now));
        var policies = new List<HttpPolicy>();
        try
        {
            var asks = new List<Task<GateVerdict>>();
            foreach (var gate in gates)
            {
                HttpPolicy policy;
                try
                {
                    policy = new HttpPolicy(gate, gate.Http!);
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException)
                {
                    // A secret file that cannot be read, a CA file without certificates.
                    asks.Add(Task.FromResult(GateVerdict.Undecided(gate.Name, GateOutcome.Error, e.Message, gate.OnError)));
                    continue;
                }
                policies.Add(policy);
                var limit = policy.Timeout <= budget ? policy.Timeout : budget;
                asks.Add(policy.AskAsync(input, limit, policy.Timeout > budget, cancellationToken));
            }
            return await Task.WhenAll(asks).ConfigureAwait(false);
        }
        finally
        {
            policies.ForEach(p => p.Dispose());
        }
    }

    /// <summary>{"input": event}: the shape OPA's Data API expects, and plain for any other service.</summary>
    private static byte[] Input(CloudEvent ev)
    {
        var buffer = new ArrayBufferWriter<byte>(16384);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("input");
            ev.WriteTo(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
