using HookRelay.Rules;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>Builds sinks from configuration, resolving secret references only now, where they are used.</summary>
public static class SinkFactory
{
    public static ISink Create(SinkConfig config, RouteTexts texts) => Create(config, texts, out _);

    /// <param name="settings">What the sink was built from; when building throws, its last key read is the one it failed on.</param>
    public static ISink Create(SinkConfig config, RouteTexts texts, out SinkSettings settings)
    {
        var type = SinkTypes.Find(config.Type);
        settings = new SinkSettings(config, type);
        return type is not null
            ? type.Create(settings, texts)
            : throw new InvalidOperationException($"sink '{config.Name}' has type '{config.Type}', which this version cannot deliver to");
    }
}
