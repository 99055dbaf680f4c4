using System.Globalization;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Hook;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// How the lean hook binary asks http policies: it runs the full hookrelay beside it
/// (`hookrelay --ask-gate-policies BUDGET_MS GATE...`, same environment, so the same event and
/// configuration) and reads the verdicts from its stdout as JSON. The child keeps to the gate
/// budget itself; the hook kills it if it has not finished shortly after. A child that cannot
/// be started or answers nonsense is each gate's error, decided by its on_error.
/// </summary>
public static class PolicyAsker
{
    public const string Flag = "--ask-gate-policies";

    // Starting the full binary and its HTTP stack, beyond the budget the child keeps to itself.
    private static readonly TimeSpan StartGrace = TimeSpan.FromSeconds(1);

    /// <summary>An <see cref="HttpPolicyAsk"/>: the child builds the event from the same environment, so <paramref name="ev"/> is not sent.</summary>
    public static IReadOnlyList<GateVerdict> AskInChild(IReadOnlyList<GateConfig> gates, HookEvent ev, DateTimeOffset now, TimeSpan budget,
        CancellationToken cancellationToken)
    {
        if (Binaries.Cli is not { } cli)
        {
            return Failed(gates, GateOutcome.Error, $"cannot ask the policy server: {Binaries.CliName} is not installed beside {Binaries.HookName}");
        }
        PosixSpawn.Captured captured;
        try
        {
            captured = PosixSpawn.RunCaptured(cli, [Flag, ((long)budget.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), .. gates.Select(g => g.Name)],
                PosixSpawn.Environment(_ => false), budget + StartGrace, 1024 * 1024);
        }
        catch (IOException e)
        {
            return Failed(gates, GateOutcome.Error, $"cannot ask the policy server: {e.Message}");
        }
        if (!captured.Finished)
        {
            return Failed(gates, GateOutcome.Timeout, $"the gate budget (hook.gate_budget, {budget.TotalSeconds:0.###} s) ran out before the policy server was asked");
        }
        try
        {
            var results = Parse(captured.Stdout);
            return [.. gates.Select(g => results.FirstOrDefault(r => r.Name == g.Name) is { } result
                ? FromResult(result)
                : GateVerdict.Undecided(g.Name, GateOutcome.Error, $"{cli} gave no verdict for it (exit status {captured.ExitStatus})", g.OnError))];
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return Failed(gates, GateOutcome.Error, $"cannot ask the policy server: {e.Message}");
        }
    }

    private static List<GateResult> Parse(byte[] output)
    {
        var reader = new Utf8JsonReader(output);
        if (!reader.Read())
        {
            throw new FormatException("the asker wrote nothing");
        }
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            using var error = JsonDocument.ParseValue(ref reader);
            throw new InvalidOperationException(error.RootElement.TryGetProperty("error", out var message) ? message.GetString() : "the asker failed");
        }
        return GateResultJson.Read(ref reader);
    }

    private static GateVerdict FromResult(GateResult result)
    {
        var outcome = result.Verdict switch
        {
            "allow" => GateOutcome.Allow,
            "deny" => GateOutcome.Deny,
            "timeout" => GateOutcome.Timeout,
            _ => GateOutcome.Error,
        };
        return new GateVerdict(result.Name, outcome, result.Allowed, result.Reason);
    }

    private static GateVerdict[] Failed(IReadOnlyList<GateConfig> gates, GateOutcome outcome, string problem) =>
        [.. gates.Select(g => GateVerdict.Undecided(g.Name, outcome, problem, g.OnError))];
}
