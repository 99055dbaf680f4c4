using HookRelay.Rules;

namespace HookRelay.Sinks;

/// <summary>Builds sinks from configuration, resolving secret references only now, where they are used.</summary>
public static class SinkFactory
{
    public static ISink Create(SinkConfig config)
    {
        string Setting(string key) => config.Settings.TryGetValue(key, out var raw)
            ? SecretReferences.Resolve(raw)
            : throw new InvalidOperationException($"sink '{config.Name}' has no '{key}'");
        bool? Flag(string key) => config.Settings.TryGetValue(key, out var raw)
            ? raw is "true" or "True" or "TRUE"
            : null;

        return config.Type switch
        {
            FileSink.Type => FileSink.Create(config, Setting, Flag),
            _ => throw new InvalidOperationException($"sink '{config.Name}' has type '{config.Type}', which this version cannot deliver to"),
        };
    }
}
