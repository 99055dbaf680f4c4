using System.CommandLine;
using HookRelay.Doctor;
using HookRelay.Hook;

namespace HookRelay.Cli;

/// <summary>`hookrelay doctor`: is HookRelay on this node in order, and if not, what to run.</summary>
public static class DoctorCommand
{
    public static Command Create(Option<string> configOption)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var hooksRoot = new Option<string?>("--hooks-root") { Description = $"Ganeti's hooks directory (default {HookInstaller.DefaultHooksRoot})" };
        var command = new Command("doctor",
            "Check this node: configuration, binaries, hook links, outbox, daemon, each sink's far end (connecting, sending nothing), the clock; each problem with the command that fixes it")
        {
            json, hooksRoot,
        };
        command.SetAction((r, token) => RunAsync(r.GetValue(configOption)!, r.GetValue(hooksRoot) ?? HookInstaller.DefaultHooksRoot, r.GetValue(json), Console.Out, token));
        return command;
    }

    public static async Task<int> RunAsync(string configPath, string hooksRoot, bool asJson, TextWriter output, CancellationToken token)
    {
        var findings = await DoctorChecks.RunAsync(configPath, hooksRoot, token).ConfigureAwait(false);
        if (asJson)
        {
            OutboxCli.WriteJson(writer =>
            {
                writer.WriteStartObject();
                writer.WriteStartArray("findings");
                foreach (var finding in findings)
                {
                    writer.WriteStartObject();
                    writer.WriteString("area", finding.Area);
                    writer.WriteString("verdict", finding.Verdict.ToString().ToLowerInvariant());
                    writer.WriteString("says", finding.Says);
                    if (finding.Fix is { } fix)
                    {
                        writer.WriteString("fix", fix);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            });
        }
        else
        {
            foreach (var finding in findings)
            {
                output.WriteLine($"{finding.Verdict.ToString().ToLowerInvariant(),-5} {finding.Area,-16} {finding.Says}");
                if (finding.Fix is { } fix)
                {
                    output.WriteLine($"{"",-22} fix: {fix}");
                }
            }
            var failed = findings.Count(f => f.Verdict == Verdict.Fail);
            var warned = findings.Count(f => f.Verdict == Verdict.Warn);
            output.WriteLine(failed + warned == 0 ? "all in order" : $"{Counted.Of(failed, "problem", "problems")}, {Counted.Of(warned, "warning", "warnings")}");
        }
        return findings.Any(f => f.Verdict == Verdict.Fail) ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
