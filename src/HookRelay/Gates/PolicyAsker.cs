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

    public static GateVerdict[] AskInChild(IReadOnlyList<GateConfig> gates, TimeSpan budget)
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

    /// <summary>The child: the full hookrelay asking on the hook's behalf. Always exits 0 with JSON on stdout.</summary>
    public static int RunChild(string[] args)
    {
        using var stdout = Console.OpenStandardOutput();
        using var writer = new Utf8JsonWriter(stdout);
        try
        {
            var budget = TimeSpan.FromMilliseconds(long.Parse(args[0], CultureInfo.InvariantCulture));
            // The hook that asks runs with the last good configuration while the file is broken: ask with the same.
            var config = LastGoodConfig.LoadOrRecall(HookRunner.ConfigPath).Config;
            var ev = HookEventParser.Parse(HookEventParser.GanetiVariables(Environment.GetEnvironmentVariables()), NodeNames.Local(config.NodeName));
            var gates = args[1..].Select(name => config.Gates.FirstOrDefault(g => g.Name == name && g.Http is not null)
                ?? throw new InvalidOperationException($"gate '{name}' with an http policy is no longer in {config.SourcePath}")).ToList();
            var verdicts = HttpPolicies.AskAllAsync(gates, ev, DateTimeOffset.UtcNow, budget, CancellationToken.None).GetAwaiter().GetResult();
            GateResultJson.Write(writer, verdicts.Select(v => v.ToResult()));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            writer.WriteStartObject();
            writer.WriteString("error", $"{e.GetType().Name}: {e.Message}");
            writer.WriteEndObject();
        }
        return 0;
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
