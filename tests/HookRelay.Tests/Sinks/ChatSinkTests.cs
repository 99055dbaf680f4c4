using System.Text.Json;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

/// <summary>Slack and Mattermost webhooks against a real HTTP server on loopback; request bodies compared to golden files.</summary>
public sealed class ChatSinkTests : IAsyncLifetime
{
    private TestReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async ValueTask DisposeAsync() => await _receiver.DisposeAsync();

    private ChatSink Slack(RouteTexts? texts = null, params (string, string)[] more) =>
        ChatSink.Create(SinkTestEvents.Settings("slack", [("url", _receiver.Url), .. more]), texts ?? RouteTexts.None, mattermost: false);

    private ChatSink Mattermost(params (string, string)[] more) =>
        ChatSink.Create(SinkTestEvents.Settings("mattermost", [("url", _receiver.Url), .. more]), RouteTexts.None, mattermost: true);

    private async Task<JsonElement> Deliver(ChatSink sink, SinkMessage message)
    {
        using (sink)
        {
            Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(message, TestContext.Current.CancellationToken));
        }
        var request = Assert.Single(_receiver.Accepted);
        Assert.Equal("application/json; charset=utf-8", request.Headers["content-type"]);
        return JsonDocument.Parse(request.Body).RootElement.Clone();
    }

    [Fact]
    public async Task Slack_live_migration_is_a_section_with_a_context_line()
    {
        await Deliver(Slack(), SinkTestEvents.LiveMigration());
        Golden.AssertMatches("slack-live-migration.json", Golden.Indented(_receiver.Accepted[0].Body));
    }

    [Fact]
    public async Task Slack_uses_the_route_text_with_values_escaped_as_mrkdwn()
    {
        var texts = RouteTexts.Of(("live", "*{{ instance.name }} migrated live* from {{ migrate.old_primary }} to {{ migrate.new_primary }} on {{ cluster }}"));
        var body = await Deliver(Slack(texts), SinkTestEvents.LiveMigration(ev => ev with { Cluster = "<!channel> & co" }, route: "other,live"));
        Assert.Equal("*web-1.lab.example migrated live* from node1.lab.example to node2.lab.example on &lt;!channel&gt; &amp; co",
            body.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Slack_without_blocks_sends_text_only()
    {
        var body = await Deliver(Slack(null, ("blocks", "false")), SinkTestEvents.LiveMigration());
        Assert.Equal(["text"], body.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Mattermost_gets_markdown_and_the_overrides()
    {
        await Deliver(Mattermost(("username", "ganeti"), ("icon_emoji", ":computer:"), ("channel", "ops")), SinkTestEvents.LiveMigration());
        Golden.AssertMatches("mattermost-live-migration.json", Golden.Indented(_receiver.Accepted[0].Body));
    }

    public static TheoryData<string> HostileNames() =>
    [
        "quote\" backslash\\ `tick` ```block```",
        "*bold* _it_ ~strike~ <!here> <https://evil.example|click> @channel",
        "line one\nline two\r\n> quoted",
        "名前-😀-\u202Eevil",
        new string('x', 1_000_000),
    ];

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Hostile_names_still_make_a_valid_slack_payload_within_its_limits(string name)
    {
        var body = await Deliver(Slack(), SinkTestEvents.LiveMigration(ev => ev with { Instance = ev.Instance! with { Name = name } }));
        var text = body.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.InRange(text.Length, 1, 3000);
        Assert.DoesNotContain('\n', text);
        Assert.DoesNotContain("<!", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<https", text, StringComparison.Ordinal);
        Assert.StartsWith("*", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Hostile_names_still_make_a_valid_mattermost_payload(string name)
    {
        var body = await Deliver(Mattermost(), SinkTestEvents.LiveMigration(ev => ev with { Instance = ev.Instance! with { Name = name } }));
        var text = body.GetProperty("text").GetString()!;
        Assert.InRange(text.Length, 1, 16383);
        Assert.DoesNotContain('\n', text);
        Assert.DoesNotContain("@channel", text, StringComparison.Ordinal);
        Assert.StartsWith("**", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slack_429_is_retried_after_what_it_asked()
    {
        _receiver.Behaviour = (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((429, new Dictionary<string, string> { ["Retry-After"] = "7" }));
        using var sink = Slack();
        var result = await sink.DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken);
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.IsType<DeliveryResult.Retry>(result).After);
    }

    [Fact]
    public async Task A_revoked_webhook_fails_without_retrying_and_without_its_path()
    {
        _receiver.Behaviour = (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((404, null));
        _receiver.AnswerBody = (_, _) => "no_service";
        using var sink = ChatSink.Create(SinkTestEvents.Settings("slack", ("url", _receiver.Url + "/T000/B000/SECRETTOKEN")), RouteTexts.None, mattermost: false);
        var failed = Assert.IsType<DeliveryResult.Failed>(await sink.DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken));
        Assert.Contains("404", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("no_service", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETTOKEN", failed.Reason, StringComparison.Ordinal);
    }
}
