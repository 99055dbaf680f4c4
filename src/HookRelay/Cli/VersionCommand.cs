using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using HookRelay.Rules;

namespace HookRelay.Cli;

/// <summary>`hookrelay version`: version, commit and the hash of the configuration in use, to compare nodes.</summary>
public static class VersionCommand
{
    public static string InformationalVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static string Version => InformationalVersion.Split('+')[0];

    public static string Commit => InformationalVersion.Split('+') is [_, var commit, ..] ? commit : "unknown";

    public static Command Create(Option<string> configOption)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("version", "Print the version, the commit it was built from and the configuration's hash") { json };
        command.SetAction(result => Run(result.GetValue(configOption)!, result.GetValue(json), Console.Out));
        return command;
    }

    public static int Run(string configPath, bool asJson, TextWriter output)
    {
        string? hash = null;
        string? problem = null;
        try
        {
            hash = ConfigLoader.Load(configPath).Hash;
        }
        catch (ConfigException e)
        {
            problem = e.Errors[0].Message;
        }
        if (asJson)
        {
            using var stream = Console.OpenStandardOutput();
            using var writer = new Utf8JsonWriter(stream);
            writer.WriteStartObject();
            writer.WriteString("version", Version);
            writer.WriteString("commit", Commit);
            writer.WriteString("config", configPath);
            if (hash is null)
            {
                writer.WriteNull("config_hash");
                writer.WriteString("config_error", problem);
            }
            else
            {
                writer.WriteString("config_hash", hash);
            }
            writer.WriteEndObject();
            writer.Flush();
            stream.WriteByte((byte)'\n');
        }
        else
        {
            output.WriteLine($"hookrelay {Version} (commit {Commit})");
            output.WriteLine(hash is null ? $"config {configPath}: not usable: {problem}" : $"config {configPath}: sha256 {hash}");
        }
        return ExitCodes.Ok;
    }
}
