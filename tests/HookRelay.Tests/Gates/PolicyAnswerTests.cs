using System.Text;
using HookRelay.Gates;

namespace HookRelay.Tests.Gates;

/// <summary>The decisions a policy server may answer, and the answers that are not decisions.</summary>
public class PolicyAnswerTests
{
    private static PolicyAnswer.Decision Parse(string body) => PolicyAnswer.Parse(Encoding.UTF8.GetBytes(body));

    [Theory]
    [InlineData("""{"result": true}""", true, "the policy allowed it")]
    [InlineData("""{"result": false}""", false, "the policy denied it (no reason given)")]
    [InlineData("""{"result": {"allow": false, "reason": "no owner: tag"}}""", false, "no owner: tag")]
    [InlineData("""{"result": {"allow": true, "reason": "ok by rule 7"}}""", true, "ok by rule 7")]
    [InlineData("""{"result": {"allow": false, "reasons": ["too big", "no owner"]}}""", false, "too big; no owner")]
    [InlineData("""{"result": ["too big", "no owner"]}""", false, "too big; no owner")]
    [InlineData("""{"result": []}""", true, "no policy rule denied it")]
    [InlineData("""{"result": {"deny": ["frozen"]}}""", false, "frozen")]
    [InlineData("""{"result": {"deny": []}}""", true, "no policy rule denied it")]
    [InlineData("""{"allow": false, "message": "ask #ops first"}""", false, "ask #ops first")]
    [InlineData("""{"allow": true}""", true, "the policy allowed it")]
    [InlineData("""{"decision_id": "x", "result": {"allow": false, "msg": "m"}}""", false, "m")]
    public void A_decision_is_read_from_OPA_and_plain_JSON_shapes(string body, bool allow, string reason)
    {
        var decision = Parse(body);
        Assert.Equal(allow, decision.Allow);
        Assert.Equal(reason, decision.Reason);
    }

    [Theory]
    [InlineData("{}", "no \"result\" (for OPA: the policy path in the URL is not defined)")]
    [InlineData("<html>500</html>", "not JSON")]
    [InlineData("", "not JSON")]
    [InlineData("[true]", "a JSON array, not an object")]
    [InlineData("""{"result": "yes"}""", "result is a JSON string")]
    [InlineData("""{"result": {"allow": "yes"}}""", "result.allow is a JSON string, not true or false")]
    [InlineData("""{"result": {"verdict": "allow"}}""", "result has neither \"allow\" nor \"deny\"")]
    [InlineData("""{"result": {"deny": "all"}}""", "result.deny is a JSON string, not a list of messages")]
    [InlineData("""{"result": true""", "not JSON")]
    public void An_answer_that_is_not_a_decision_is_an_error_never_an_allow(string body, string problem)
    {
        var e = Assert.Throws<FormatException>(() => Parse(body));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hostile_reason_becomes_one_short_line()
    {
        var reason = "line one\nline two\r\n`rm -rf`" + new string('x', 10_000);
        var quoted = System.Text.Json.JsonSerializer.Serialize(reason, Support.TestJsonContext.Default.String);
        var decision = Parse("{\"result\": {\"allow\": false, \"reason\": " + quoted + "}}");
        Assert.False(decision.Allow);
        Assert.DoesNotContain('\n', decision.Reason);
        Assert.StartsWith("line one", decision.Reason, StringComparison.Ordinal);
        Assert.True(decision.Reason.Length <= 301, $"{decision.Reason.Length} characters");
    }
}
