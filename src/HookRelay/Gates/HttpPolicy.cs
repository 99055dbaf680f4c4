using System.Net.Http.Headers;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Http;

namespace HookRelay.Gates;

/// <summary>
/// A gate's http policy: POSTs {"input": the CloudEvent} to an OPA-compatible endpoint or any JSON
/// service and reads its decision (<see cref="PolicyAnswer"/>). Whatever goes wrong (refused,
/// slow, 5xx, not a decision) becomes an error or timeout verdict that the gate's on_error decides.
/// </summary>
public sealed class HttpPolicy : IPolicyServer
{
    private const int MaxAnswerBytes = 64 * 1024;
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json");

    private readonly HttpSinkClient _client;

    public HttpPolicy(GateConfig gate, RemotePolicyConfig config)
    {
        var settings = new SinkSettings(config.Settings, subject: $"gate '{gate.Name}', http");
        _client = new HttpSinkClient(settings, HttpSinkClient.ParseEndpoint(settings, "url"), 1);
        Gate = gate;
        Timeout = config.Timeout;
    }

    public GateConfig Gate { get; }

    public TimeSpan Timeout { get; }

    /// <summary>
    /// Asks, waiting at most <paramref name="limit"/>; <paramref name="limitIsBudget"/> says the
    /// gate budget, not the gate's own timeout, set the limit (the message says which).
    /// </summary>
    public async Task<GateVerdict> AskAsync(byte[] cloudEvent, TimeSpan limit, bool limitIsBudget, CancellationToken cancellationToken)
    {
        try
        {
            using var request = _client.Post(Input(cloudEvent), Json);
            var (status, body) = await _client.AskAsync(request, limit, MaxAnswerBytes, cancellationToken).ConfigureAwait(false);
            if ((int)status is < 200 or >= 300)
            {
                return Undecided(GateOutcome.Error, $"{_client.Display} answered {(int)status} {status}");
            }
            var decision = PolicyAnswer.Parse(body);
            return decision.Allow ? GateVerdict.Allow(Gate.Name, decision.Reason) : GateVerdict.Deny(Gate.Name, decision.Reason);
        }
        catch (TimeoutException)
        {
            return Undecided(GateOutcome.Timeout, IPolicyServer.TimedOut(_client.Display, limit, limitIsBudget));
        }
        catch (FormatException e)
        {
            return Undecided(GateOutcome.Error, $"{_client.Display} gave no usable decision: {e.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or InvalidDataException or IOException)
        {
            return Undecided(GateOutcome.Error, $"{_client.Display}: {e.Message}");
        }
    }

    /// <summary>{"input": event}: the shape OPA's Data API expects, and plain for any other service.</summary>
    private static byte[] Input(byte[] cloudEvent)
    {
        var input = new byte[cloudEvent.Length + 10];
        "{\"input\":"u8.CopyTo(input);
        cloudEvent.CopyTo(input, 9);
        input[^1] = (byte)'}';
        return input;
    }

    private GateVerdict Undecided(GateOutcome outcome, string problem) => GateVerdict.Undecided(Gate.Name, outcome, problem, Gate.OnError);

    public void Dispose() => _client.Dispose();
}
