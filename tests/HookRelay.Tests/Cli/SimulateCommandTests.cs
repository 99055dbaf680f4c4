using HookRelay.Cli;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

public sealed class SimulateCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _config;

    public SimulateCommandTests() => _config = _dir.File("hookrelay.yaml", """
        sinks: { f: { type: file, path: /tmp/never-written.jsonl } }
        routes:
          - { name: live, on_node: master, matchers: ['hook="instance-migrate"', 'phase="post"', 'migrate_live="true"'], to: [f] }
        gates:
          - { name: naming, matchers: ['hook="instance-migrate"'], deny_unless: { instance: '^web-' }, on_error: deny }
        """);

    public void Dispose() => _dir.Dispose();

    /// <param name="ssconf">This machine's Ganeti, as its ssconf directory; by default none (not a Ganeti node).</param>
    private (int Exit, string Out, string Err) Simulate(string hook, string? phase = null, string? envFile = null, string[]? sets = null, string node = "node1.lab.example",
        string? ssconf = null)
    {
        var output = new StringWriter();
        var err = new StringWriter();
        var exit = SimulateCommand.Run(new SimulateCommand.Request(_config, hook, phase, envFile, sets ?? [], node, false, ssconf ?? Path.Combine(_dir.Path, "no-ganeti")),
            output, err);
        return (exit, output.ToString(), err.ToString());
    }

    [Fact]
    public void On_a_ganeti_node_the_sample_runs_on_this_clusters_names_so_the_node_has_its_roles()
    {
        var ssconf = Directory.CreateDirectory(Path.Combine(_dir.Path, "ganeti")).FullName;
        File.WriteAllText(Path.Combine(ssconf, "ssconf_cluster_name"), "prod.example.org\n");
        File.WriteAllText(Path.Combine(ssconf, "ssconf_master_node"), "hv1.example.org\n");
        File.WriteAllText(Path.Combine(ssconf, "ssconf_node_list"), "hv1.example.org\nhv2.example.org\nhv3.example.org\n");

        var (exit, output, err) = Simulate("instance-migrate", "post", node: "hv1.example.org", ssconf: ssconf);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("roles: master, old_primary", output, StringComparison.Ordinal);
        Assert.Contains("cluster prod.example.org", output, StringComparison.Ordinal);
        Assert.Contains("migrate  live hv1.example.org → hv2.example.org", output, StringComparison.Ordinal);
        Assert.Contains("node1.lab.example → hv1.example.org, node2.lab.example → hv2.example.org", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Elsewhere_a_node_the_sample_does_not_know_is_told_which_it_does()
    {
        var (_, output, err) = Simulate("instance-migrate", "post", node: "laptop.example.org");

        Assert.Contains("roles: none", output, StringComparison.Ordinal);
        Assert.Contains("laptop.example.org is not a node of the built-in sample", err, StringComparison.Ordinal);
        Assert.Contains("node1.lab.example, node2.lab.example; its master node1.lab.example", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_post_run_gets_a_sample_duration_so_duration_renders_and_says_it_is_a_sample()
    {
        var (_, output, err) = Simulate("instance-migrate", "post");

        Assert.Contains("(4.2 s)", output, StringComparison.Ordinal);
        Assert.Contains("a sample duration of 4.2 s", err, StringComparison.Ordinal);
        Assert.DoesNotContain("sample duration", Simulate("instance-migrate", "pre").Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Built_in_sample_shows_roles_the_matching_route_and_what_would_be_sent()
    {
        var (exit, output, _) = Simulate("instance-migrate", "post");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("roles: master, old_primary", output, StringComparison.Ordinal);
        Assert.Contains("yes  live: matched", output, StringComparison.Ordinal);
        Assert.Contains("live → file sink 'f'", output, StringComparison.Ordinal);
        Assert.Contains("migrate  live node1.lab.example → node2.lab.example", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_overrides_a_variable_with_or_without_the_prefix()
    {
        var (_, a, _) = Simulate("instance-migrate", "post", sets: ["MIGRATE_LIVE=False"]);
        Assert.Contains("migrate_live=\"true\" does not match (migrate_live is \"false\")", a, StringComparison.Ordinal);
        var (_, b, _) = Simulate("instance-migrate", "post", sets: ["GANETI_MIGRATE_LIVE=False"]);
        Assert.Contains("would send\n  nothing", b.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_instance_name_is_the_target_too()
    {
        var (exit, output, _) = Simulate("instance-migrate", "pre", sets: ["INSTANCE_NAME=test_vm"]);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("subject test_vm ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("web-1", output.Split('\n').First(l => l.StartsWith("event", StringComparison.Ordinal)), StringComparison.Ordinal);
        // The gate sees the new name as well.
        Assert.Contains("instance 'test_vm' does not match ^web-", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_hooks_path_is_refused_with_the_nearest_one_unless_an_environment_is_given()
    {
        var (exit, _, err) = Simulate("instance-migrat", "post");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("'instance-migrat' is not a hooks path of Ganeti 3.0 or 3.1; did you mean 'instance-migrate'?", err, StringComparison.Ordinal);
        var env = _dir.File("future.env", "GANETI_HOOKS_VERSION=2\nGANETI_HOOKS_PATH=instance-teleport\nGANETI_HOOKS_PHASE=post\n");
        Assert.Equal(ExitCodes.Ok, Simulate("instance-teleport", "post", envFile: env).Exit);
    }

    [Fact]
    public void An_action_that_applies_is_shown_as_queued_for_this_nodes_daemon_and_a_bad_media_type_does_not_crash()
    {
        var config = _dir.File("actions.yaml", """
            sinks: { hook: { type: webhook, url: "http://127.0.0.1:9/", body: '{"hook": "{{ hook }}"}', content_type: json } }
            routes: [ { name: all, on_node: all, to: [hook] } ]
            actions: { disk_resize: { enabled: true }, shaping: { device: bond1 } }
            """);
        var output = new StringWriter();
        var err = new StringWriter();
        var exit = SimulateCommand.Run(new SimulateCommand.Request(config, "disk-grow", "post", null, [], "node1.lab.example", false), output, err);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("yes  disk_resize: matched (this node node1.lab.example is the instance's primary)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("action → 'disk_resize', run by this node's daemon like a delivery", output.ToString(), StringComparison.Ordinal);
        output = new StringWriter();
        Assert.Equal(ExitCodes.Ok, SimulateCommand.Run(new SimulateCommand.Request(config, "instance-start", "post", null, [], "node1.lab.example", false), output, err));
        Assert.Contains("yes  shaping: matched (this node node1.lab.example is the instance's primary)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("action → 'shaping', run by this node's daemon like a delivery", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("body: none: content_type 'json' is not a media type", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Gates_are_evaluated_in_the_pre_phase_with_their_verdict()
    {
        var (_, output, _) = Simulate("instance-migrate", "pre");
        Assert.Contains("yes  naming", output, StringComparison.Ordinal);
        Assert.Contains("gate 'naming': allow: every policy passed", output, StringComparison.Ordinal);
        Assert.Contains("would deny  nothing (every gate that applies allows)", output, StringComparison.Ordinal);
        var (_, denied, _) = Simulate("instance-migrate", "pre", sets: ["INSTANCE_NAME=db-1.lab.example"]);
        Assert.Contains("gate 'naming': DENY: instance 'db-1.lab.example' does not match ^web-", denied, StringComparison.Ordinal);
        Assert.Contains("would deny  yes, exit 1: hookrelay: denied by gate 'naming': instance 'db-1.lab.example' does not match ^web-", denied, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_files_may_be_captures_json_objects_or_key_value_lines()
    {
        var capture = Fixtures.Dir("envs", "instance-migrate-post-node1-01.json");
        var lines = _dir.File("env.txt", string.Join("\n", Fixtures.Env("instance-migrate-post-node1-01").Select(kv => $"{kv.Key}={kv.Value}")) + "\n");
        var json = _dir.File("env.json", "{\"GANETI_HOOKS_PATH\": \"instance-migrate\", \"GANETI_HOOKS_PHASE\": \"post\", \"GANETI_MIGRATE_LIVE\": \"True\", \"GANETI_MASTER\": \"node1.lab.example\"}");
        foreach (var file in new[] { capture, lines, json })
        {
            var (exit, output, err) = Simulate("instance-migrate", envFile: file);
            Assert.True(exit == ExitCodes.Ok, err);
            Assert.Contains("yes  live: matched", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_bad_env_file_is_named_with_its_line()
    {
        var bad = _dir.File("bad.env", "GANETI_HOOKS_PATH=instance-migrate\nthis is not a variable\n");
        var (exit, _, err) = Simulate("instance-migrate", envFile: bad);
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains($"{bad}:2: expected KEY=VALUE", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulating_another_path_than_the_env_file_s_says_so()
    {
        var capture = Fixtures.Dir("envs", "instance-migrate-post-node1-01.json");
        var (_, _, err) = Simulate("instance-reboot", envFile: capture);
        Assert.Contains("simulating it as 'instance-reboot'", err, StringComparison.Ordinal);
    }
}
