using System.Text;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Gates;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Gates;

/// <summary>
/// The http policy against real HTTP servers on loopback: an OPA-compatible one, and one that is
/// slow, down, failing or answering nonsense. Every way of not deciding goes to on_error.
/// </summary>
public sealed class HttpPolicyTests : IAsyncLifetime
{
    private TestReceiver _server = null!;
    private readonly TempDir _dir = new();

    public async ValueTask InitializeAsync() => _server = await OpaCompatibleServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private static (HookRelayConfig Config, IReadOnlyList<GateVerdict> Verdicts, HookEvent Event) Decide(string yaml, Action<SortedDictionary<string, string>>? change = null)
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes(yaml), "test.yaml");
        var env = Fixtures.Env("instance-add-pre-node1-01");
        change?.Invoke(env);
        var plan = Planner.Plan(config, HookEventParser.Parse(env, "node1.lab.example"));
        var (decided, verdicts) = GateEvaluator.Decide(config, plan, DateTimeOffset.UtcNow, HttpPolicies.Ask, TestContext.Current.CancellationToken);
        return (config, verdicts, decided.Event);
    }

    private static GateVerdict Ask(string http, string onError = "deny", Action<SortedDictionary<string, string>>? change = null, string extra = "") =>
        Assert.Single(Decide($"{extra}gates:\n  - {{ name: policy, on_error: {onError}, http: {http} }}\n", change).Verdicts);

    private string OpaAt(string path) => $"{{ url: \"{OpaCompatibleServer.Url(_server, path)}\", timeout: 5s }}";

    private static void WithOwner(SortedDictionary<string, string> env) => env["GANETI_INSTANCE_TAGS"] = "web owner:team-a";

    [Fact]
    public void An_OPA_allow_document_decides_with_its_reason()
    {
        var denied = Ask(OpaAt(OpaCompatibleServer.AllowPath));
        Assert.Equal((GateOutcome.Deny, false, "no owner: tag"), (denied.Outcome, denied.Allowed, denied.Reason));
        var allowed = Ask(OpaAt(OpaCompatibleServer.AllowPath), change: WithOwner);
        Assert.Equal((GateOutcome.Allow, true), (allowed.Outcome, allowed.Allowed));
    }

    [Fact]
    public void An_OPA_deny_set_denies_with_every_message()
    {
        var verdict = Ask(OpaAt(OpaCompatibleServer.DenyPath), change: env => env["GANETI_INSTANCE_MAXMEM"] = "4096");
        Assert.False(verdict.Allowed);
        Assert.Equal("web-1.lab.example asks for 4096 MiB, the limit is 1024; no owner: tag", verdict.Reason);
        Assert.True(Ask(OpaAt(OpaCompatibleServer.DenyPath), change: WithOwner).Allowed);
    }

    [Fact]
    public void The_policy_gets_the_event_as_OPA_input_with_the_configured_credentials()
    {
        var token = Path.Combine(_dir.Path, "token");
        File.WriteAllText(token, "s3cret-token\n");
        Ask($"{{ url: \"{OpaCompatibleServer.Url(_server, OpaCompatibleServer.AllowPath)}\", auth: {{ bearer: \"${{file:{token}}}\" }}, headers: {{ X-Site: lab }} }}");
        var request = Assert.Single(_server.All);
        Assert.Equal("POST", request.Method);
        Assert.Equal("Bearer s3cret-token", request.Headers["authorization"]);
        Assert.Equal("lab", request.Headers["x-site"]);
        Assert.StartsWith("application/json", request.Headers["content-type"], StringComparison.Ordinal);
        using var body = JsonDocument.Parse(request.Body);
        var input = body.RootElement.GetProperty("input");
        Assert.Equal("org.ganeti.instance-add.pre", input.GetProperty("type").GetString());
        Assert.Equal("web-1.lab.example", input.GetProperty("data").GetProperty("instance").GetProperty("name").GetString());
    }

    [Fact]
    public void An_undefined_OPA_document_is_an_error_that_on_error_decides()
    {
        var allowed = Ask(OpaAt("/v1/data/ganeti/typo"), onError: "allow");
        Assert.Equal((GateOutcome.Error, true), (allowed.Outcome, allowed.Allowed));
        Assert.Contains("the policy path in the URL is not defined", allowed.Reason, StringComparison.Ordinal);
        Assert.EndsWith("; on_error: allow", allowed.Reason, StringComparison.Ordinal);
        var denied = Ask(OpaAt("/v1/data/ganeti/typo"), onError: "deny");
        Assert.Equal((GateOutcome.Error, false), (denied.Outcome, denied.Allowed));
        Assert.StartsWith("denied by gate 'policy': http://127.0.0.1:", denied.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_error_is_an_error_not_a_decision()
    {
        _server.Behaviour = (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((500, null));
        _server.AnswerBody = (_, _) => """{"result": true}""";
        var verdict = Ask(OpaAt(OpaCompatibleServer.AllowPath));
        Assert.Equal((GateOutcome.Error, false), (verdict.Outcome, verdict.Allowed));
        Assert.Equal($"http://127.0.0.1:{_server.Port} answered 500 InternalServerError; on_error: deny", verdict.Reason);
    }

    [Fact]
    public void A_malformed_answer_is_an_error_not_a_decision()
    {
        _server.AnswerBody = (_, _) => "{\"result\": tru";
        var verdict = Ask(OpaAt(OpaCompatibleServer.AllowPath), onError: "allow");
        Assert.Equal((GateOutcome.Error, true), (verdict.Outcome, verdict.Allowed));
        Assert.Contains("gave no usable decision: the answer is not JSON", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_down_is_an_error_that_on_error_decides()
    {
        var url = OpaCompatibleServer.Url(_server, OpaCompatibleServer.AllowPath);
        await _server.DownAsync();
        var verdict = Ask($"{{ url: \"{url}\" }}");
        Assert.Equal((GateOutcome.Error, false), (verdict.Outcome, verdict.Allowed));
        Assert.Contains("Connection refused", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slow_server_times_out_after_the_gate_timeout()
    {
        AnswerAfter(TimeSpan.FromSeconds(2));
        var verdict = Ask($"{{ url: \"{OpaCompatibleServer.Url(_server, OpaCompatibleServer.AllowPath)}\", timeout: 300ms }}", onError: "allow");
        Assert.Equal((GateOutcome.Timeout, true), (verdict.Outcome, verdict.Allowed));
        Assert.Equal($"http://127.0.0.1:{_server.Port} did not answer within 0.3 s; on_error: allow", verdict.Reason);
    }

    [Fact]
    public void The_gate_budget_bounds_a_longer_gate_timeout_and_says_so()
    {
        AnswerAfter(TimeSpan.FromSeconds(2));
        var verdict = Ask($"{{ url: \"{OpaCompatibleServer.Url(_server, OpaCompatibleServer.AllowPath)}\", timeout: 4s }}", extra: "hook: { gate_budget: 300ms }\n");
        Assert.Equal((GateOutcome.Timeout, false), (verdict.Outcome, verdict.Allowed));
        Assert.StartsWith("the gate budget (hook.gate_budget, 0.3 s left) ran out before http://127.0.0.1:", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_servers_are_asked_at_once()
    {
        var inFlight = 0;
        var most = 0;
        _server.Behaviour = async (_, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            // Hold each request until the other one is in too (or give up after a while).
            for (var i = 0; i < 100 && Volatile.Read(ref most) < 2; i++)
            {
                await Task.Delay(20);
            }
            Interlocked.Decrement(ref inFlight);
            return (200, null);
        };
        var url = OpaCompatibleServer.Url(_server, OpaCompatibleServer.AllowPath);
        var (_, verdicts, _) = Decide($$"""
            gates:
              - { name: one, on_error: deny, http: { url: "{{url}}" } }
              - { name: two, on_error: deny, http: { url: "{{url}}" } }
            """, WithOwner);
        Assert.Equal(["one", "two"], verdicts.Select(v => v.Gate));
        Assert.All(verdicts, v => Assert.True(v.Allowed, v.Reason));
        Assert.Equal(2, most);
    }

    [Fact]
    public void A_local_denial_does_not_ask_the_policy_server()
    {
        var (_, verdicts, _) = Decide($$"""
            gates:
              - name: policy
                on_error: deny
                deny_unless: { instance_name: '^db-' }
                http: {{OpaAt(OpaCompatibleServer.AllowPath)}}
            """);
        Assert.Equal(GateOutcome.Deny, Assert.Single(verdicts).Outcome);
        Assert.Empty(_server.All);
    }

    [Fact]
    public void Verdicts_of_every_kind_travel_with_the_event()
    {
        var (_, _, ev) = Decide($$"""
            gates:
              - { name: opa, on_error: deny, http: {{OpaAt(OpaCompatibleServer.AllowPath)}} }
              - { name: typo, on_error: allow, http: {{OpaAt("/v1/data/nothing")}} }
            """);
        Assert.Equal([("opa", "deny", false), ("typo", "error", true)], ev.Gates!.Select(g => (g.Name, g.Verdict, g.Allowed)));
        var attributes = new EventAttributes(ev);
        Assert.Equal(["deny"], attributes.Get("verdict"));
        Assert.Equal(["opa"], attributes.Get("denied_by"));
        Assert.Equal(["typo"], attributes.Get("gate_failed"));
    }

    private void AnswerAfter(TimeSpan delay) => _server.Behaviour = async (_, _) =>
    {
        await Task.Delay(delay);
        return (200, null);
    };

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
