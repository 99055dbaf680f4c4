using HookRelay.Rules;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>Builds sinks from configuration, resolving secret references only now, where they are used.</summary>
public static class SinkFactory
{
    public static ISink Create(SinkConfig config, RouteTexts texts)
    {
        var settings = new SinkSettings(config);
        return config.Type switch
        {
            FileSink.Type => FileSink.Create(settings),
            WebhookSink.Type => WebhookSink.Create(settings),
            _ => throw new InvalidOperationException($"sink '{config.Name}' has type '{config.Type}', which this version cannot deliver to"),
        };
    }
}
