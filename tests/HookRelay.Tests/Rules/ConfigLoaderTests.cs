using System.Text;
using HookRelay.Rules;

namespace HookRelay.Tests.Rules;

public class ConfigLoaderTests
{
    private const string Valid = """
        sinks:
          timeline: { type: file, path: /tmp/events.jsonl }
        routes:
          - name: live
            on_node: master
            matchers: ['hook="instance-migrate"', 'phase="post"', 'migrate_live="true"']
            to: [timeline]
        """;

    private static IReadOnlyList<ConfigError> ErrorsOf(string yaml)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Encoding.UTF8.GetBytes(yaml), "test.yaml"));
        return e.Errors;
    }

    private static void AssertError(string yaml, long line, long column, string expected)
    {
        var errors = ErrorsOf(yaml);
        Assert.True(errors.Any(e => e.Line == line && e.Column == column && e.Message.Contains(expected, StringComparison.Ordinal)
            && e.File == "test.yaml"), $"expected {line}:{column} '{expected}', got:\n{string.Join("\n", errors)}");
    }

    [Fact]
    public void The_jobs_section_says_where_job_events_are_read_with_the_rapis_settings_kept_raw()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes(Valid + """

            jobs:
              source: auto
              rapi: { url: "https://127.0.0.1:5080", user: hookrelay, password: "${file:/etc/hookrelay/rapi.password}", certificate: /var/lib/ganeti/rapi.pem }
            """), "test.yaml");

        Assert.Equal("auto", config.Jobs.Source);
        Assert.True(config.Jobs.HasRapi);
        Assert.Equal("${file:/etc/hookrelay/rapi.password}", config.Jobs.Settings.Settings["rapi.password"]);
        Assert.False(config.Jobs.Settings.Settings.ContainsKey("source"));
        Assert.Equal("auto", ConfigLoader.Parse(Encoding.UTF8.GetBytes(Valid), "test.yaml").Jobs.Source);
    }

    [Fact]
    public void Jobs_from_the_rapi_without_its_url_and_an_unknown_source_are_refused_at_the_setting()
    {
        AssertError(Valid + "\njobs: { source: rapi }\n", 8, 17, "jobs.source is rapi, but jobs.rapi.url is not set");
        Assert.Contains(ErrorsOf(Valid + "\njobs: { source: files }\n"), e => e.Message.Contains("files", StringComparison.Ordinal) && e.Line == 8);
    }

    [Fact]
    public void Chat_and_grafana_sinks_load_with_their_settings()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            sinks:
              chat: { type: slack, url: "${file:/etc/hookrelay/slack.url}", blocks: false }
              mm: { type: mattermost, url: "https://mm.example.org/hooks/x", username: ganeti, channel: ops }
              grafana: { type: grafana, url: https://grafana.example.org, token: "${env:GRAFANA_TOKEN}", tags: ["{{ instance.name }}", ganeti-live-migration], regions: [instance-migrate], panel_id: 3 }
            routes:
              - { name: live, matchers: ['hook="instance-migrate"'], to: [chat, mm, grafana], text: "*{{ instance.name }}* moved ({{ duration }})" }
            """), "test.yaml");
        Assert.Equal("slack", config.Sinks["chat"].Type);
        Assert.Equal("{{ instance.name }}", config.Sinks["grafana"].Settings["tags[0]"]);
        Assert.Equal("*{{ instance.name }}* moved ({{ duration }})", config.Routes[0].Text);
    }

    [Fact]
    public void Local_and_service_sinks_load_with_lists_flattened_in_order()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            sinks:
              script: { type: exec, command: [/usr/local/bin/sync-vm, --quiet, "two words"], timeout: 5s, fail_codes: [64] }
              log: { type: syslog, address: "udp://127.0.0.1:514", facility: local3 }
              timeline: { type: file, path: /var/log/hookrelay/events.jsonl, max_size: 100MB, keep: 3 }
              am: { type: alertmanager, url: "http://127.0.0.1:9093", labels: { team: virt, primary: "{{ instance.primary }}" } }
              mail: { type: email, host: smtp.example.org, from: ganeti@example.org, to: [ops@example.org], password: "${file:/etc/hookrelay/smtp.pw}", username: ganeti }
            """), "test.yaml");
        Assert.Equal(["/usr/local/bin/sync-vm", "--quiet", "two words"], new[] { 0, 1, 2 }.Select(i => config.Sinks["script"].Settings[$"command[{i}]"]));
        Assert.Equal("{{ instance.primary }}", config.Sinks["am"].Settings["labels.primary"]);
    }

    [Fact]
    public void Misshapen_local_sinks_are_refused_naming_the_key()
    {
        Assert.Contains(ErrorsOf("sinks:\n  s: { type: exec, command: /bin/true }\n"), e => e.Message.Contains("command", StringComparison.Ordinal) && e.Message.Contains("a list", StringComparison.Ordinal));
        Assert.Contains(ErrorsOf("sinks:\n  s: { type: syslog, facility: local9 }\n"), e => e.Message.Contains("local9", StringComparison.Ordinal));
        Assert.Contains(ErrorsOf("sinks:\n  s: { type: file, path: /x, max_size: 10 MB }\n"), e => e.Message.Contains("max_size", StringComparison.Ordinal));
        Assert.Contains(ErrorsOf("sinks:\n  s: { type: alertmanager, url: http://x, labels: { bad-name: x } }\n"), e => e.Message.Contains("bad-name", StringComparison.Ordinal));
    }

    [Fact]
    public void Grafana_without_a_token_is_refused()
    {
        var errors = ErrorsOf("sinks:\n  g: { type: grafana, url: https://grafana.example.org }\n");
        Assert.Contains(errors, e => e.Message.Contains("token", StringComparison.Ordinal));
    }

    [Fact]
    public void Broken_templates_in_route_texts_and_tags_are_refused_where_they_are_written()
    {
        AssertError("""
            sinks:
              g: { type: grafana, url: https://g.example.org, token: t, tags: ["{{ instance.name"] }
            routes:
              - { name: r, to: [g], text: "{{ instance name }}" }
            """, 4, 31, "route 'r', text: '{{ instance name }}' at character 1 is not a path");
        Assert.Contains(ErrorsOf("sinks:\n  g: { type: grafana, url: https://g.example.org, token: t, tags: [\"{{ x\"] }\n"),
            e => e.Message.Contains("tags[0]", StringComparison.Ordinal) && e.Message.Contains("never closed", StringComparison.Ordinal));
    }

    [Fact]
    public void Valid_config_loads_with_its_routes_and_sinks()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes(Valid), "test.yaml");
        var route = Assert.Single(config.Routes);
        Assert.Equal("live", route.Name);
        Assert.Equal(OnNode.Master, route.OnNode);
        Assert.Equal(3, route.Matchers.Count);
        Assert.Equal("file", config.Sinks["timeline"].Type);
        Assert.Equal("/tmp/events.jsonl", config.Sinks["timeline"].Settings["path"]);
        Assert.Equal(HookRelayConfig.DefaultStateDir, config.StateDir);
        Assert.Equal(64, config.Hash.Length);
    }

    [Fact]
    public void Route_defaults_to_once_and_gate_to_master()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            sinks: { f: { type: file, path: /tmp/x } }
            routes: [ { name: r, to: [f] } ]
            gates: [ { name: g, deny_unless: { instance: '^[a-z]+$' }, on_error: deny } ]
            """), "test.yaml");
        Assert.Equal(OnNode.Once, config.Routes[0].OnNode);
        Assert.Equal(OnNode.Master, config.Gates[0].OnNode);
        Assert.Equal(ErrorPolicy.Deny, config.Gates[0].OnError);
    }

    [Fact]
    public void Invalid_yaml_names_line_and_column() =>
        AssertError("routes:\n  - name: x\n    to: [a\n", 4, 1, "not valid YAML");

    [Fact]
    public void Unknown_key_names_its_place_and_the_expected_keys() =>
        AssertError("routes:\n  - name: x\n    to: [f]\n    matchrs: []\n", 4, 5, "unknown key 'matchrs' in 'routes[0]'; did you mean 'matchers'? (expected one of: name, on_node, matchers, to, text)");

    [Fact]
    public void A_broken_body_template_names_its_place() =>
        AssertError("sinks:\n  hook:\n    type: webhook\n    url: http://127.0.0.1/x\n    body: '{\"t\": \"{{ data.instance.name\"}'\n", 5, 11, "sink 'hook', body: a '{{' at character 8 is never closed");

    [Fact]
    public void Webhook_delivery_settings_are_checked_by_the_schema() =>
        AssertError("sinks:\n  hook:\n    type: webhook\n    url: http://127.0.0.1/x\n    mode: fancy\n", 5, 11, "expected one of: structured, binary");

    [Fact]
    public void Wrong_enum_value_lists_the_allowed_ones() =>
        AssertError("routes:\n  - name: x\n    on_node: everywhere\n    to: [f]\n", 3, 14, "expected one of: once, master, primary, secondaries, old_primary, new_primary, all");

    [Fact]
    public void Missing_required_key_is_named() =>
        AssertError("routes:\n  - name: x\n", 2, 5, "missing the required key 'to'");

    [Fact]
    public void Bad_matcher_is_reported_at_its_line() =>
        AssertError("sinks: { f: { type: file, path: /x } }\nroutes:\n  - name: x\n    to: [f]\n    matchers: ['hook==\"x\"']\n", 5, 16, "unbalanced");

    [Fact]
    public void Route_to_an_undefined_sink_names_the_defined_ones() =>
        AssertError("sinks: { f: { type: file, path: /x } }\nroutes:\n  - name: x\n    to: [chat]\n", 4, 10, "sink 'chat', which is not defined (defined sinks: f)");

    [Fact]
    public void Unknown_sink_type_is_an_error() =>
        AssertError("sinks:\n  chat: { type: carrier-pigeon }\n", 2, 17, "expected one of: file");

    [Fact]
    public void File_sink_needs_a_path() =>
        AssertError("sinks:\n  f: { type: file }\n", 2, 6, "missing the required key 'path'");

    [Fact]
    public void File_sink_rejects_keys_of_other_sinks() =>
        AssertError("sinks:\n  f: { type: file, path: /x, url: http://x }\n", 2, 30, "unknown key 'url'");

    [Fact]
    public void Number_where_a_string_is_expected_says_to_quote_it() =>
        AssertError("state_dir: 12\n", 1, 12, "quote it");

    [Fact]
    public void Bad_duration_is_explained() =>
        AssertError("hook: { budget: 10 seconds }\n", 1, 17, "duration such as 500ms, 2s, 1m");

    [Fact]
    public void Gate_needs_an_explicit_on_error() =>
        AssertError("gates:\n  - name: g\n    deny_unless: { instance: x }\n", 2, 5, "missing the required key 'on_error'");

    [Fact]
    public void Gate_with_a_bad_regex_is_reported() =>
        AssertError("gates:\n  - name: g\n    deny_unless: { instance: '(' }\n    on_error: deny\n", 3, 30, "invalid regular expression");

    [Fact]
    public void Duplicate_route_names_are_reported() =>
        AssertError("sinks: { f: { type: file, path: /x } }\nroutes:\n  - { name: a, to: [f] }\n  - { name: a, to: [f] }\n", 4, 13, "used twice");

    [Fact]
    public void Bad_secret_reference_syntax_is_reported() =>
        AssertError("sinks:\n  f: { type: file, path: '${vault:x}' }\n", 2, 26, "not a secret reference");

    [Fact]
    public void Every_error_is_reported_not_only_the_first()
    {
        var errors = ErrorsOf("routes:\n  - name: x\n    on_node: nowhere\n    to: [f]\n    extra: 1\nbogus: 2\n");
        Assert.True(errors.Count >= 3, string.Join("\n", errors));
    }

    [Fact]
    public void Invalid_utf8_is_an_error_not_a_crash()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse([0x72, 0x3a, 0x20, 0xff, 0xfe, 0x0a], "test.yaml"));
        Assert.Contains("UTF-8", e.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_config_is_valid_and_warns()
    {
        var config = ConfigLoader.Parse([], "test.yaml");
        Assert.Empty(config.Routes);
        Assert.Contains(config.Warnings, w => w.IsWarning);
    }

    [Fact]
    public void Missing_file_is_a_config_error_naming_the_path()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/hookrelay.yaml"));
        Assert.Contains("/nonexistent/hookrelay.yaml", e.Errors[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Gates_and_actions_load_and_the_planned_actions_say_they_do_not_run_yet()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            gates:
              - name: naming
                matchers: ['hook="instance-add"', 'phase="pre"']
                deny_unless: { instance: '^[a-z0-9-]+\.example\.org$' }
                on_error: deny
              - name: policy
                http: { url: "http://127.0.0.1:8181/v1/data/ganeti/allow", timeout: 2s }
                on_error: allow
            actions:
              disk_resize: { enabled: true }
              cpu_pinning: { mode: numa-1to1, reserve_cpus: [0] }
              shaping: { device: bond1, default_egress: 600mbit }
            """), "test.yaml");
        Assert.Equal(2, config.Gates.Count);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Gates[1].Remote!.Timeout);
        Assert.Equal(3, config.Actions.Count);
        Assert.Equal("bond1", config.Actions.Single(a => a.Name == "shaping").Settings["device"]);
        // Gates are enforced and every action of this version runs: none warns that it does not.
        Assert.All(config.Actions, a => Assert.True(a.Runs, a.Name));
        Assert.DoesNotContain(config.Warnings, w => w.Message.Contains("does not run it yet", StringComparison.Ordinal));
        Assert.Single(config.Gates[0].Policies);
        Assert.DoesNotContain(config.Warnings, w => w.Message.Contains("gate", StringComparison.Ordinal));
    }

    [Fact]
    public void An_action_takes_matchers_that_narrow_it_and_a_misspelt_outcome_is_an_error()
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            actions:
              disk_resize: { matchers: ['tag="resize"'], timeout: 5s }
            """), "test.yaml");
        var action = config.Actions.Single();
        Assert.Equal("tag=\"resize\"", action.Matchers.Single().ToString());
        Assert.Equal(["timeout"], action.Settings.Keys);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            sinks: { f: { type: file, path: /tmp/x } }
            routes:
              - { name: r, matchers: ['kind="action"', 'outcome="faild"'], to: [f] }
            """), "test.yaml"));
        Assert.Contains("outcome is one of \"done\", \"skipped\", \"failed\"; did you mean 'failed'?", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 5.0)]
    [InlineData("hook: { budget: 4s }", 2.0)]
    [InlineData("hook: { budget: 20s, gate_budget: 8s }", 8.0)]
    public void The_gate_budget_defaults_to_five_seconds_within_half_the_hook_budget(string hook, double seconds)
    {
        var config = ConfigLoader.Parse(System.Text.Encoding.UTF8.GetBytes(hook + "\ngates: [ { name: g, on_error: deny, http: { url: 'http://127.0.0.1:1/' } } ]\n"), "test.yaml");
        Assert.Equal(TimeSpan.FromSeconds(seconds), config.Hook.GateBudget);
    }

    [Fact]
    public void A_gate_budget_as_long_as_the_hook_budget_is_refused()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("hook: { budget: 3s, gate_budget: 3s }\n"u8.ToArray(), "test.yaml"));
        Assert.Contains("test.yaml:1:34: error: hook.gate_budget (3s) must be shorter than hook.budget (3s)", e.Errors.Select(x => x.ToString()));
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_named_without_a_line_it_does_not_have()
    {
        var missing = Path.Combine(Path.GetTempPath(), "hookrelay-missing-" + Guid.NewGuid().ToString("N") + ".yaml");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(missing));
        Assert.StartsWith($"{missing}: error: cannot read the configuration: ", e.Errors[0].ToString(), StringComparison.Ordinal);
        Assert.Contains("No such file or directory", e.Errors[0].ToString(), StringComparison.Ordinal);
    }
}
