using HookRelay.Rules;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>Builds sinks from configuration, resolving secret references only now, where they are used.</summary>
public static class SinkFactory
{
    /// <summary>A rate a sink type's far end asks for when the configuration sets none: Slack takes one message a second per webhook.</summary>
    public static double? DefaultRatePerSecond(string type) => type == ChatSink.SlackType ? 1 : null;

    public static ISink Create(SinkConfig config, RouteTexts texts)
    {
        var settings = new SinkSettings(config);
        return config.Type switch
        {
            FileSink.Type => FileSink.Create(settings),
            WebhookSink.Type => WebhookSink.Create(settings),
            ChatSink.SlackType => ChatSink.Create(settings, texts, mattermost: false),
            ChatSink.MattermostType => ChatSink.Create(settings, texts, mattermost: true),
            GrafanaSink.Type => GrafanaSink.Create(settings, texts),
            AlertmanagerSink.Type => AlertmanagerSink.Create(settings, texts),
            Email.EmailSink.Type => Email.EmailSink.Create(settings, texts),
            ExecSink.Type => ExecSink.Create(settings),
            SyslogSink.Type => SyslogSink.Create(settings, texts),
            _ => throw new InvalidOperationException($"sink '{config.Name}' has type '{config.Type}', which this version cannot deliver to"),
        };
    }
}
