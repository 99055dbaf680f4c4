using System.CommandLine;
using HookRelay.Rules;

namespace HookRelay.Cli;

/// <summary>The --config option every subcommand shares, and loading with errors printed the same way everywhere.</summary>
public static class ConfigOption
{
    public static Option<string> Create() => new("--config", "-c")
    {
        Description = $"Configuration file (default ${HookRelayConfig.PathVariable}, else {HookRelayConfig.DefaultPath})",
        DefaultValueFactory = _ => HookRelayConfig.ConfiguredPath,
        Recursive = true,
    };

    /// <summary>Loads the configuration or prints every error to stderr and returns null.</summary>
    public static HookRelayConfig? LoadOrReport(string path, TextWriter err) =>
        Report(() =>
        {
            var config = ConfigLoader.Load(path);
            LastGoodConfig.Remember(config);
            return config;
        }, err);

    /// <summary>The configuration the hooks run with (the file, or while it is broken its last good copy), or prints every error and returns null.</summary>
    public static LastGoodConfig.InForce? LoadInForceOrReport(string path, TextWriter err) => Report(() => LastGoodConfig.LoadOrRecall(path), err);

    private static T? Report<T>(Func<T> load, TextWriter err)
        where T : class
    {
        try
        {
            return load();
        }
        catch (ConfigException e)
        {
            foreach (var error in e.Errors)
            {
                err.WriteLine(error);
            }
            return null;
        }
    }
}
