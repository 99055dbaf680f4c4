using System.Text.Json;
using HookRelay.Web;

namespace HookRelay.Tests.Web;

public sealed class DaemonMetricsTests
{
    private static JsonElement Line(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void A_runs_result_is_the_word_the_hook_recorded()
    {
        Assert.Equal("denied", DaemonMetrics.ResultOf(Line("""{"result":"denied","outcome":"denied by gate 'naming'; queued for chat"}""")));
        Assert.Equal("error", DaemonMetrics.ResultOf(Line("""{"result":"error","outcome":"NOT queued for chat: disk full"}""")));
    }

    [Theory]
    [InlineData("queued for chat, grafana", "queued")]
    [InlineData("nothing to send", "nothing")]
    [InlineData("denied by gate 'naming'; queued for chat", "denied")]
    [InlineData("denied by gate 'naming'; nothing to send", "denied")]
    [InlineData("NOT queued for chat: database or disk is full", "error")]
    public void A_line_from_a_hook_older_than_the_result_field_is_read_from_its_sentence(string sentence, string result) =>
        Assert.Equal(result, DaemonMetrics.ResultOf(Line(JsonSerializer.Serialize(new Dictionary<string, string> { ["outcome"] = sentence }))));
}
