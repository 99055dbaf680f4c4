using System.CommandLine;
using System.Text.Json;
using HookRelay.Rules;
using HookRelay.Sinks.Declaration;

namespace HookRelay.Cli;

/// <summary>`hookrelay config check`: every error with file, line and column; secret references resolved but never shown.</summary>
public static class ConfigCheckCommand
{
    public static Command Create(Option<string> configOption)
    {
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var check = new Command("check", "Validate the configuration against the schema and explain every problem")
        {
            json,
        };
        check.SetAction(result => Run(result.GetValue(configOption)!, result.GetValue(json), Console.Out));
        var config = new Command("config", "Work with the configuration file") { check };
        return config;
    }

    public static int Run(string path, bool asJson, TextWriter output)
    {
        var problems = new List<ConfigError>();
        HookRelayConfig? config = null;
        try
        {
            config = ConfigLoader.Load(path);
            problems.AddRange(config.Warnings);
            problems.AddRange(SinkProblems(config));
            problems.AddRange(ActionProblems(config));
            problems.AddRange(WebProblems(config));
            problems.AddRange(JobsProblems(config));
            problems.AddRange(InlineSecrets(config));
        }
        catch (ConfigException e)
        {
            problems.AddRange(e.Errors);
        }
        var ok = problems.All(p => p.IsWarning);
        if (ok && config is not null)
        {
            LastGoodConfig.Remember(config);
        }
        if (asJson)
        {
            using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            writer.WriteString("file", path);
            writer.WriteBoolean("valid", ok);
            if (config is not null)
            {
                writer.WriteString("config_hash", config.Hash);
            }
            writer.WriteStartArray("problems");
            foreach (var p in problems)
            {
                writer.WriteStartObject();
                writer.WriteString("severity", p.IsWarning ? "warning" : "error");
                writer.WriteNumber("line", p.Line);
                writer.WriteNumber("column", p.Column);
                writer.WriteString("message", p.Message);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        else
        {
            foreach (var p in problems)
            {
                output.WriteLine(p);
            }
            if (config is not null && ok)
            {
                output.WriteLine($"{path}: valid ({config.Sinks.Count} sinks, {config.Routes.Count} routes, {config.Gates.Count} gates, {config.Actions.Count} actions)");
            }
        }
        return ok ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>
    /// Every sink built exactly as `serve` builds it (URLs, secrets, TLS files, templates, media
    /// types), so what would stop a sink in the daemon is an error here. A sink whose secrets do
    /// not resolve is reported for them, and not built.
    /// </summary>
    private static IEnumerable<ConfigError> SinkProblems(HookRelayConfig config)
    {
        var texts = Sinks.Messages.RouteTexts.From(config);
        foreach (var sink in config.Sinks.Values)
        {
            var problems = SecretProblems(sink).Select(p => At(sink, p.Setting, p.Problem)).ToList();
            if (problems.Count == 0)
            {
                Sinks.SinkSettings? settings = null;
                try
                {
                    (Sinks.SinkFactory.Create(sink, texts, out settings) as IDisposable)?.Dispose();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Reported where the setting it was reading is written: at url:, not at the sink.
                    problems.Add(At(sink, settings?.LastKeyRead, e.Message.StartsWith("sink '", StringComparison.Ordinal) ? e.Message : $"sink '{sink.Name}': {e.Message}"));
                }
            }
            foreach (var problem in problems)
            {
                yield return problem;
            }
        }
    }

    /// <summary>The web listener's token as `serve` reads it: a reference that does not resolve, or a token written in the file.</summary>
    private static IEnumerable<ConfigError> WebProblems(HookRelayConfig config)
    {
        if (config.Web is not { Token: { } token } web)
        {
            yield break;
        }
        var at = web.Position;
        if (ResolveProblem(token) is { } problem)
        {
            yield return new ConfigError(at.File, at.Line, at.Column, $"web.token: {problem}");
        }
        else if (!SecretReferences.HasReference(token))
        {
            yield return new ConfigError(at.File, at.Line, at.Column,
                "web.token: a credential written in the file (anyone who can read it has it); write ${file:/etc/hookrelay/web-token} (a 0600 file)", true);
        }
    }

    /// <summary>jobs.rapi as `serve` reads it: secret references that do not resolve, a URL or certificate it cannot use.</summary>
    private static List<ConfigError> JobsProblems(HookRelayConfig config)
    {
        var jobs = config.Jobs.Settings;
        var at = jobs.Position;
        var problems = UnresolvedSecrets(jobs.Settings).Select(p => new ConfigError(at.File, at.Line, at.Column, $"jobs.{p.Setting}: {p.Problem}")).ToList();
        if (problems.Count == 0 && config.Jobs.HasRapi)
        {
            try
            {
                Reconcile.RapiClient.From(new Sinks.SinkSettings(jobs, subject: "jobs"))?.Dispose();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                problems.Add(new ConfigError(at.File, at.Line, at.Column, e.Message));
            }
        }
        return problems;
    }

    /// <summary>Every action this version runs, built as `serve` builds it: its problems are errors here, at the setting.</summary>
    private static IEnumerable<ConfigError> ActionProblems(HookRelayConfig config)
    {
        foreach (var (action, type) in Actions.ActionTypes.Runnable(config))
        {
            var lane = type.LaneOf(action);
            var settings = type.SettingsOf(lane);
            ConfigError? problem = null;
            try
            {
                _ = type.PolicyOf(lane);
                _ = type.Create!(settings, new Actions.ActionHost(config.StateDir));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                problem = At(lane, settings.LastKeyRead, e.Message.StartsWith("action '", StringComparison.Ordinal) ? e.Message : $"action '{action.Name}': {e.Message}");
            }
            if (problem is not null)
            {
                yield return problem;
            }
        }
    }

    private static ConfigError At(SinkConfig sink, string? setting, string message, bool warning = false)
    {
        var at = sink.PositionOf(setting);
        return new(at.File, at.Line, at.Column, message, warning);
    }

    /// <summary>
    /// A credential written into the file is readable by whoever reads the file, its copies and its
    /// backups: a warning. Which settings hold one, each sink type declares (a chat webhook's URL
    /// does: its path is the token).
    /// </summary>
    private static IEnumerable<ConfigError> InlineSecrets(HookRelayConfig config) =>
        from sink in config.Sinks.Values
        let type = Sinks.SinkTypes.Find(sink.Type)
        from setting in sink.Settings
        where type?.KeyOf(setting.Key)?.HoldsCredential(setting.Key) == true
            && setting.Value.Length > 0 && !setting.Value.StartsWith("${", StringComparison.Ordinal)
        select At(sink, setting.Key,
            $"sink '{sink.Name}', {setting.Key}: a credential written in the file (anyone who can read it, or its last good copy, has it); "
            + $"write ${{file:/etc/hookrelay/{sink.Name}.{setting.Key.Replace("auth.", "", StringComparison.Ordinal)}}} (a 0600 file) or ${{env:NAME}}", warning: true);

    /// <summary>A reference that cannot be resolved here is an error: the daemon would fail the same way.</summary>
    private static IEnumerable<(string Setting, string Problem)> SecretProblems(SinkConfig sink)
    {
        foreach (var (key, problem) in UnresolvedSecrets(sink.Settings))
        {
            yield return (key, $"sink '{sink.Name}', {key}: {problem}");
        }
    }

    /// <summary>Each setting whose secret reference does not resolve here, with why.</summary>
    private static IEnumerable<(string Setting, string Problem)> UnresolvedSecrets(IReadOnlyDictionary<string, string> settings)
    {
        foreach (var (key, raw) in settings)
        {
            if (ResolveProblem(raw) is { } problem)
            {
                yield return (key, problem);
            }
        }
    }

    /// <summary>Why a setting's secret reference does not resolve here (as serve would resolve it), or null when it does.</summary>
    private static string? ResolveProblem(string raw)
    {
        try
        {
            SecretReferences.Resolve(raw);
            return null;
        }
        catch (SecretException e)
        {
            return e.Message;
        }
    }
}
