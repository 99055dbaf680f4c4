using System.Globalization;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Hook;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// The other end of <see cref="PolicyAsker"/>: hookrelay run by the lean hook as
/// `hookrelay --ask-gate-policies BUDGET_MS GATE...` with the hook's environment, asking the
/// named gates' http policies in process and writing the verdicts to stdout as JSON.
/// </summary>
public static class PolicyAskerChild
{
    /// <summary>Always exits 0, with the verdicts or {"error": ...} on stdout.</summary>
    public static int Run(string[] args)
    {
        using var stdout = Console.OpenStandardOutput();
        using var writer = new Utf8JsonWriter(stdout);
        try
        {
            var budget = TimeSpan.FromMilliseconds(long.Parse(args[0], CultureInfo.InvariantCulture));
            // The hook that asks runs with the last good configuration while the file is broken: ask with the same.
            var config = LastGoodConfig.LoadOrRecall(HookRunner.ConfigPath).Config;
            var ev = HookEventParser.Parse(HookEventParser.GanetiVariables(Environment.GetEnvironmentVariables()), NodeNames.Local(config.NodeName));
            var gates = args[1..].Select(name => config.Gates.FirstOrDefault(g => g.Name == name && g.Remote is not null)
                ?? throw new InvalidOperationException($"gate '{name}' with a policy server is no longer in {config.SourcePath}")).ToList();
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
}
