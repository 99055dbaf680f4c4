using System.Text;
using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Tests.Rules;

/// <summary>Matchers that parse but could never be true, as `config check` (and every load) reports them.</summary>
public class MatcherChecksTests
{
    private static string Route(string matchers) => $$"""
        sinks: { out: { type: file, path: /tmp/x.jsonl } }
        routes:
          - { name: r, matchers: [{{matchers}}], to: [out] }
        """;

    private static IReadOnlyList<ConfigError> ErrorsOf(string yaml) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Encoding.UTF8.GetBytes(yaml), "test.yaml")).Errors;

    private static HookRelayConfig Load(string yaml) => ConfigLoader.Parse(Encoding.UTF8.GetBytes(yaml), "test.yaml");

    [Fact]
    public void A_misspelt_hooks_path_is_an_error_naming_the_nearest_one_at_its_line_and_column()
    {
        var error = Assert.Single(ErrorsOf(Route("'hook=\"instance-migrat\"'")));
        Assert.Equal((3L, 27L), (error.Line, error.Column));
        Assert.Equal("route 'r': hook=\"instance-migrat\": there is no hooks path 'instance-migrat'; did you mean 'instance-migrate'?", error.Message);
    }

    [Fact]
    public void A_hooks_path_no_ganeti_fires_is_a_warning_since_a_later_ganeti_may_add_it()
    {
        var config = Load(Route("'hook=\"storage-repair\"'"));
        Assert.Contains(config.Warnings, w => w.Message.Contains("'storage-repair' is not a hooks path of Ganeti 3.0 or 3.1", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Message.Contains("route 'r' can never apply", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("'phase=\"postt\"'", "the phase is \"pre\" or \"post\"; did you mean 'post'?")]
    [InlineData("'migrate_live=\"yes\"'", "migrate_live is \"true\" or \"false\" (Ganeti's True and False), never \"yes\"")]
    [InlineData("'drained!=\"1\"'", "drained is \"true\" or \"false\"")]
    public void A_value_the_attribute_never_takes_is_an_error(string matcher, string expected)
    {
        Assert.Contains(ErrorsOf(Route(matcher)), e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Ganeti_s_own_spelling_of_a_boolean_matches()
    {
        var config = Load(Route("'hook=\"instance-migrate\"', 'migrate_live=\"True\"'"));
        var ev = HookEventParser.Parse(Support.Fixtures.Env("instance-migrate-post-node1-01"), "node1.lab.example");
        Assert.Equal("True", ev.Env["GANETI_MIGRATE_LIVE"]);
        Assert.True(Planner.Plan(config, ev).Routes[0].Applies);
    }

    [Fact]
    public void A_route_whose_hook_and_phase_matchers_exclude_each_other_is_a_warning()
    {
        // cluster-verify runs only in the post phase.
        var config = Load(Route("'hook=\"cluster-verify\"', 'phase=\"pre\"'"));
        Assert.Contains(config.Warnings, w => w.Message == "route 'r' can never apply: no hooks path and phase of Ganeti 3.0/3.1 satisfies its hook and phase matchers together");
    }

    [Fact]
    public void A_gate_on_the_post_phase_is_an_error()
    {
        var errors = ErrorsOf("""
            gates:
              - name: late
                matchers: ['hook="instance-add"', 'phase="post"']
                deny_unless: { instance_name: '^web-' }
                on_error: deny
            """);
        var error = Assert.Single(errors);
        Assert.Equal((3L, 15L), (error.Line, error.Column));
        Assert.StartsWith("gate 'late' matches no pre phase: a gate decides in the pre hook", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_misspelt_key_is_listed_in_one_run_with_the_name_it_was_meant_to_be()
    {
        var errors = ErrorsOf("""
            sinks: { out: { type: file, path: /tmp/x.jsonl } }
            routes:
              - { name: r, matchers: ['hook="instance-add"'], to: [out], on_nodes: master }
            gates:
              - name: naming
                deny_unles: { instance_name: '^web-' }
                on_error: deny
            """);
        Assert.Contains(errors, e => e.Line == 3 && e.Message.StartsWith("unknown key 'on_nodes' in 'routes[0]'; did you mean 'on_node'?", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 6 && e.Column == 5 && e.Message.StartsWith("unknown key 'deny_unles' in 'gates[0]'; did you mean 'deny_unless'?", StringComparison.Ordinal));
    }

    [Fact]
    public void Regular_expressions_and_unknown_attributes_are_left_alone()
    {
        var config = Load(Route("'hook=~\"instance-(add|remove)\"', 'phase!=\"pre\"', 'my_own_var=\"x\"'"));
        Assert.Empty(config.Warnings);
        Assert.Equal(3, config.Routes[0].Matchers.Count);
    }
}
