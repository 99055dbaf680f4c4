using System.Text;
using HookRelay.Delivery;
using HookRelay.Rules;
using HookRelay.Sinks;

namespace HookRelay.Tests.Delivery;

public class SinkLanesTests
{
    private static HookRelayConfig Config(string sinks, string text = "") => ConfigLoader.Parse(Encoding.UTF8.GetBytes($$"""
        sinks:
        {{sinks}}
        routes: [ { name: r, to: [chat]{{text}} } ]
        """), "t.yaml");

    private const string Chat = "  chat: { type: slack, url: \"http://127.0.0.1:9/hook\", rate_per_s: 1 }";
    private const string File = "  log: { type: file, path: /tmp/hookrelay-lanes-test.jsonl }";

    [Fact]
    public void A_reload_that_leaves_a_sink_alone_keeps_its_lane_and_with_it_its_rate_limit_and_pause()
    {
        using var lanes = new SinkLanes();
        var first = lanes.Update(Config(Chat))["chat"];
        var second = lanes.Update(Config(Chat + "\n" + File));
        Assert.Same(first, second["chat"]);
        Assert.Contains("log", second.Keys);
        // Moved down a few lines in the file: still the same sink.
        Assert.Same(first, lanes.Update(Config(File + "\n" + Chat))["chat"]);
    }

    [Fact]
    public void A_changed_sink_or_route_text_gets_a_new_lane_and_a_removed_one_goes()
    {
        using var lanes = new SinkLanes();
        var first = lanes.Update(Config(Chat + "\n" + File))["chat"];
        var changed = lanes.Update(Config(Chat.Replace("rate_per_s: 1", "rate_per_s: 2", StringComparison.Ordinal) + "\n" + File));
        Assert.NotSame(first, changed["chat"]);
        var retexted = lanes.Update(Config(Chat.Replace("rate_per_s: 1", "rate_per_s: 2", StringComparison.Ordinal), ", text: \"{{ target }} moved\""));
        Assert.NotSame(changed["chat"], retexted["chat"]);
        Assert.DoesNotContain("log", retexted.Keys);
    }

    [Fact]
    public async Task A_sink_that_cannot_be_built_gets_a_lane_that_fails_with_the_reason()
    {
        using var lanes = new SinkLanes();
        var lane = lanes.Update(Config("  chat: { type: webhook, url: \"http://127.0.0.1:9/\", body: '{}', content_type: json, max_attempts: 3 }"))["chat"];
        Assert.IsType<UnusableSink>(lane.Sink);
        Assert.Equal(3, lane.Policy.MaxAttempts);
        var result = Assert.IsType<DeliveryResult.Retry>(await lane.Sink.DeliverAsync(null!, TestContext.Current.CancellationToken));
        Assert.Contains("the sink cannot be used: sink 'chat', content_type: 'json' is not a media type", result.Reason, StringComparison.Ordinal);
    }
}
