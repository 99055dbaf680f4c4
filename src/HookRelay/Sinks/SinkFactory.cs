using HookRelay.Rules;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>Builds sinks from configuration, resolving secret references only now, where they are used.</summary>
public static class SinkFactory
{
    public static ISink Create(SinkConfig config, RouteTexts texts) =>
        SinkTypes.Find(config.Type) is { } type
            ? type.Create(new SinkSettings(config, type), texts)
            : throw new InvalidOperationException($"sink '{config.Name}' has type '{config.Type}', which this version cannot deliver to");
}
