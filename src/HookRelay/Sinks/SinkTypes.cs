using HookRelay.Sinks.Declaration;

namespace HookRelay.Sinks;

/// <summary>Every sink type this version delivers to, in the order the schema and the docs list them.</summary>
public static class SinkTypes
{
    public static IReadOnlyList<SinkType> All { get; } =
    [
        FileSink.Declaration,
        WebhookSink.Declaration,
        ChatSink.Slack,
        ChatSink.Mattermost,
        GrafanaSink.Declaration,
        AlertmanagerSink.Declaration,
        Email.EmailSink.Declaration,
        ExecSink.Declaration,
        SyslogSink.Declaration,
        Brokers.MqttSink.Declaration,
        Brokers.NatsSink.Declaration,
        Brokers.AmqpSink.Declaration,
        Brokers.KafkaSink.Declaration,
        Dns.DnsSink.PowerDns,
        Dns.DnsSink.Rfc2136,
        NetBox.NetBoxSink.Declaration,
    ];

    public static SinkType? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>Types a later version delivers to: `config check` says so instead of calling them unknown.</summary>
    public static IReadOnlyList<string> Planned { get; } = [];
}
