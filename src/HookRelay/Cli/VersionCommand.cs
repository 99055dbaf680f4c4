using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using HookRelay.Hook;
using HookRelay.Rules;

namespace HookRelay.Cli;

/// <summary>
/// `hookrelay version`: version, commit, the hash of the configuration in use and whether the
/// hooks directories hold every link it needs: what `cluster check` compares across nodes.
/// </summary>
public static class VersionCommand
{
    public static string InformationalVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static string Version => InformationalVersion.Split('+')[0];

    public static string Commit => InformationalVersion.Split('+') is [_, var commit, ..] ? commit : "unknown";

    public static Command Create(Option<string> configOption)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("version", "Print the version, the commit it was built from, the configuration's hash and whether the hook links are in place") { json };
        command.SetAction(result => Run(result.GetValue(configOption)!, result.GetValue(json), Console.Out));
        return command;
    }

    /// <summary>What this node runs, as `version --json` says it.</summary>
    public sealed record NodeState(string Version, string Commit, string Config, string? ConfigHash, string? ConfigError, int Links, IReadOnlyList<string> LinksPending)
    {
        public static NodeState Here(string configPath)
        {
            HookRelayConfig? config = null;
            string? problem = null;
            try
            {
                config = ConfigLoader.Load(configPath);
            }
            catch (ConfigException e)
            {
                problem = e.Errors[0].Message;
            }
            var links = 0;
            var pending = new List<string>();
            if (config is not null && Directory.Exists(HookInstaller.DefaultHooksRoot))
            {
                var state = HookInstaller.Inspect(config, HookInstaller.DefaultHooksRoot);
                links = state.InPlace;
                pending.AddRange(state.NotInPlace.Select(c => $"{InstallCommand.StepName(c.Step)} {c.Path}"));
            }
            return new NodeState(VersionCommand.Version, VersionCommand.Commit, configPath, config?.Hash, problem, links, pending);
        }

        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("version", Version);
            writer.WriteString("commit", Commit);
            writer.WriteString("config", Config);
            if (ConfigHash is null)
            {
                writer.WriteNull("config_hash");
                writer.WriteString("config_error", ConfigError);
            }
            else
            {
                writer.WriteString("config_hash", ConfigHash);
            }
            writer.WriteStartObject("hooks");
            writer.WriteString("root", HookInstaller.DefaultHooksRoot);
            writer.WriteNumber("links", Links);
            OutboxCli.WriteStrings(writer, "pending", LinksPending);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        public static NodeState Read(JsonElement json)
        {
            var hooks = json.TryGetProperty("hooks", out var h) ? h : default;
            return new NodeState(json.GetProperty("version").GetString() ?? "", json.GetProperty("commit").GetString() ?? "", json.GetProperty("config").GetString() ?? "",
                json.StringOf("config_hash"),
                json.StringOf("config_error"),
                hooks.ValueKind == JsonValueKind.Object ? hooks.GetProperty("links").GetInt32() : 0,
                hooks.ValueKind == JsonValueKind.Object ? [.. hooks.GetProperty("pending").EnumerateArray().Select(p => p.GetString() ?? "")] : []);
        }
    }

    public static int Run(string configPath, bool asJson, TextWriter output)
    {
        var state = NodeState.Here(configPath);
        if (asJson)
        {
            using var stream = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stream))
            {
                state.Write(writer);
            }
            stream.WriteByte((byte)'\n');
        }
        else
        {
            output.WriteLine($"hookrelay {Version} (commit {Commit})");
            output.WriteLine(state.ConfigHash is null ? $"config {configPath}: not usable: {state.ConfigError}" : $"config {configPath}: sha256 {state.ConfigHash}");
            output.WriteLine(state.LinksPending.Count == 0
                ? $"hooks: {state.Links} links in place under {HookInstaller.DefaultHooksRoot}"
                : $"hooks: {state.Links} links in place, {state.LinksPending.Count} not: {string.Join("; ", state.LinksPending)} (run hookrelay install)");
        }
        return ExitCodes.Ok;
    }
}
