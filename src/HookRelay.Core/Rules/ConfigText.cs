using System.Diagnostics.CodeAnalysis;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HookRelay.Rules;

/// <summary>
/// The one place a configuration's YAML text is read. hookrelay reads it; hookrelay-hook does
/// not: its project turns <see cref="IsRead"/> off, and the build then leaves YamlDotNet's scanner
/// and parser, the schema and its checks out of the image Ganeti starts at every hook (static
/// fields the runtime sets up at every start, and pages to map; BENCHMARKS.md). The hook runs
/// from compiled snapshots, and has hookrelay compile one when the file changed
/// (<see cref="ConfigCompiler"/>).
/// </summary>
public static class ConfigText
{
    private const string Switch = "HookRelay.Rules.ConfigText.IsRead";

    /// <summary>Whether this process can read YAML text; false only in hookrelay-hook.</summary>
    [FeatureSwitchDefinition(Switch)]
    public static bool IsRead => !AppContext.TryGetSwitch(Switch, out var read) || read;

    /// <summary>
    /// The root node of the file's only document (null when it holds none); problems go to
    /// <paramref name="errors"/>, at their line and column.
    /// </summary>
    public static YamlNode? Root(byte[] bytes, string path, List<ConfigError> errors)
    {
        if (!IsRead)
        {
            errors.AddRange(NotRead(path).Errors);
            return null;
        }
        try
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false, true));
            stream.Load(reader);
            if (stream.Documents.Count > 1)
            {
                var second = stream.Documents[1].RootNode;
                errors.Add(new ConfigError(path, second.Start.Line, second.Start.Column, "the file holds more than one YAML document; put everything in one"));
            }
            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            errors.Add(new ConfigError(path, e.Start.Line, e.Start.Column, $"not valid YAML: {YamlMessage(e)}"));
        }
        catch (DecoderFallbackException)
        {
            errors.Add(new ConfigError(path, 0, 0, "the file is not valid UTF-8"));
        }
        return null;
    }

    /// <summary>What a process that reads no YAML says when asked to.</summary>
    public static ConfigException NotRead(string path) =>
        new([new ConfigError(path, 0, 0, $"{Hook.Binaries.HookName} reads no configuration file, only what {Hook.Binaries.CliName} compiled of it")]);

    // YamlDotNet prefixes messages with the position we already report.
    private static string YamlMessage(YamlException e)
    {
        var message = e.InnerException?.Message ?? e.Message;
        var close = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && close > 0 ? message[(close + 3)..] : message;
    }
}
