using System.Text.Json;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Http;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>
/// Slack and Mattermost incoming webhooks: one message per event, its text the route's template
/// or the default sentence. Slack gets mrkdwn in a section block with a context line under it
/// (hook, phase, node, event id); Mattermost gets Markdown and honours username, icon and channel
/// overrides (Slack's legacy webhooks do too, its app webhooks ignore them). Slack's one message a
/// second per webhook is the default rate; its 429 with Retry-After pauses the sink.
/// </summary>
public sealed class ChatSink : ISink, IDisposable
{
    public const string SlackType = "slack";
    public const string MattermostType = "mattermost";

    /// <summary>Slack refuses a section block's text over 3,000 characters; Mattermost a post over 16,383.</summary>
    private const int SlackSectionLimit = 3000;
    private const int MattermostPostLimit = 16383;

    private static readonly SinkKey Url =
        SinkKey.Text("url", "The incoming webhook URL. It holds the token: use a secret reference (${file:/etc/hookrelay/slack.url}).") with { Required = true, IsCredential = true };

    private static readonly SinkKey[] Overrides =
    [
        SinkKey.Text("username", "Post as this user name (Mattermost; Slack legacy webhooks)."),
        SinkKey.Text("icon_emoji", "Icon as an emoji, e.g. :ganeti: (Mattermost; Slack legacy webhooks)."),
        SinkKey.Text("icon_url", "Icon from a URL (Mattermost; Slack legacy webhooks)."),
        SinkKey.Text("channel", "Post to this channel instead of the webhook's own (Mattermost; Slack legacy webhooks)."),
    ];

    private static readonly string[] OverrideKeys = [.. Overrides.Select(k => k.Name)];

    public static readonly SinkType Slack = new(SlackType,
    [
        Url,
        SinkKey.Flag("blocks", "Send the text in a section block with a context line (hook, phase, node, event id) under it (default true); false sends text only."),
        .. Overrides,
        .. HttpKeys.All,
    ], (settings, texts) => Create(settings, texts, mattermost: false), DefaultRatePerSecond: 1, DefaultRateReason: "Slack's limit per webhook");

    public static readonly SinkType Mattermost = new(MattermostType, [Url, .. Overrides, .. HttpKeys.All],
        (settings, texts) => Create(settings, texts, mattermost: true));

    private readonly HttpSinkClient _http;
    private readonly RouteTexts _texts;
    private readonly bool _mattermost;
    private readonly bool _blocks;
    private readonly IReadOnlyList<(string Key, string Value)> _overrides;

    private ChatSink(string name, HttpSinkClient http, RouteTexts texts, bool mattermost, bool blocks, IReadOnlyList<(string, string)> overrides)
    {
        Name = name;
        _http = http;
        _texts = texts;
        _mattermost = mattermost;
        _blocks = blocks;
        _overrides = overrides;
    }

    public string Name { get; }

    public static ChatSink Create(SinkSettings settings, RouteTexts texts, bool mattermost)
    {
        var http = new HttpSinkClient(settings, HttpSinkClient.ParseEndpoint(settings, "url"), connections: 1);
        var overrides = OverrideKeys
            .Where(key => settings.Text(key) is not null)
            .Select(key => (key, settings.Text(key)!))
            .ToList();
        return new ChatSink(settings.SinkName, http, texts, mattermost, !mattermost && settings.Flag("blocks", true), overrides);
    }

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        string text, context;
        using (var view = message.View())
        {
            var format = _mattermost ? TextFormat.Markdown : TextFormat.SlackMrkdwn;
            text = TextFormats.Truncate(_texts.Render(message, view, format), _mattermost ? MattermostPostLimit : SlackSectionLimit);
            context = TextFormats.Escape(format, $"{view.Hook} {view.Phase} on {view.Text("node.name") ?? "?"} · event {message.EventId}");
        }
        return await _http.PostJsonAsync(writer => Write(writer, text, context), cancellationToken).ConfigureAwait(false);
    }

    private void Write(Utf8JsonWriter writer, string text, string context)
    {
        writer.WriteStartObject();
        // Slack shows "text" in notifications when there are blocks, and as the message when there are none.
        writer.WriteString("text", text);
        if (_blocks)
        {
            writer.WriteStartArray("blocks");
            writer.WriteStartObject();
            writer.WriteString("type", "section");
            writer.WriteStartObject("text");
            writer.WriteString("type", "mrkdwn");
            writer.WriteString("text", text);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartObject();
            writer.WriteString("type", "context");
            writer.WriteStartArray("elements");
            writer.WriteStartObject();
            writer.WriteString("type", "mrkdwn");
            writer.WriteString("text", context);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
        }
        foreach (var (key, value) in _overrides)
        {
            writer.WriteString(key, value);
        }
        writer.WriteEndObject();
    }

    public void Dispose() => _http.Dispose();
}
