using System.Text;
using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Rules;

public class PlannerTests
{
    private static HookRelayConfig Config(string yaml) => ConfigLoader.Parse(Encoding.UTF8.GetBytes(yaml), "t.yaml");

    private static Plan PlanFor(string yaml, string capture, string node) =>
        Planner.Plan(Config(yaml), HookEventParser.Parse(Fixtures.Env(capture), node));

    private const string LiveMigrations = """
        sinks: { chat: { type: file, path: /tmp/a }, grafana: { type: file, path: /tmp/b } }
        routes:
          - name: live-migrations
            on_node: master
            matchers: ['hook="instance-migrate"', 'phase="post"', 'migrate_live="true"']
            to: [chat, grafana]
          - name: everything
            on_node: all
            to: [chat]
        """;

    [Fact]
    public void Live_migration_route_applies_on_the_master_only()
    {
        var onMaster = PlanFor(LiveMigrations, "instance-migrate-post-node1-01", "node1.lab.example");
        var onOther = PlanFor(LiveMigrations, "instance-migrate-post-node1-01", "node2.lab.example");
        Assert.True(onMaster.Routes[0].Applies);
        Assert.False(onOther.Routes[0].Applies);
        Assert.Contains("not the master", onOther.Routes[0].Reason, StringComparison.Ordinal);
        Assert.Equal([new PlannedDelivery("live-migrations", "chat"), new PlannedDelivery("live-migrations", "grafana"), new PlannedDelivery("everything", "chat")], onMaster.Deliveries);
        Assert.Equal([new PlannedDelivery("everything", "chat")], onOther.Deliveries);
    }

    [Fact]
    public void Non_live_migration_is_explained_by_the_matcher_that_failed()
    {
        var env = Fixtures.Env("instance-migrate-post-node1-01");
        env["GANETI_MIGRATE_LIVE"] = "False";
        var plan = Planner.Plan(Config(LiveMigrations), HookEventParser.Parse(env, "node1.lab.example"));
        Assert.False(plan.Routes[0].Applies);
        Assert.Equal("migrate_live=\"true\" does not match (migrate_live is \"false\")", plan.Routes[0].Reason);
    }

    [Theory]
    [InlineData("instance-migrate-post-node1-01", "node1.lab.example", true)]
    [InlineData("instance-migrate-post-node1-01", "node2.lab.example", false)]
    [InlineData("cluster-verify-post-node2-01", "node2.lab.example", false)]
    [InlineData("cluster-verify-post-node1-01", "node1.lab.example", true)]
    public void Once_picks_the_master_where_ganeti_runs_the_hook_there(string capture, string node, bool applies)
    {
        var plan = PlanFor("sinks: { f: { type: file, path: /x } }\nroutes: [ { name: r, to: [f] } ]\n", capture, node);
        Assert.Equal(applies, plan.Routes[0].Applies);
    }

    [Fact]
    public void Once_picks_the_master_for_disk_grow_even_when_the_instance_lives_elsewhere()
    {
        // Ganeti runs disk-grow on the master and the instance's nodes (LUInstanceGrowDisk.BuildHooksNodes).
        var env = Fixtures.Env("disk-grow-post-node1-01");
        foreach (var key in env.Keys.Where(k => k.EndsWith("INSTANCE_PRIMARY", StringComparison.Ordinal)).ToList())
        {
            env[key] = "node2.lab.example";
        }
        var config = Config("sinks: { f: { type: file, path: /x } }\nroutes: [ { name: r, to: [f] } ]\n");
        Assert.True(Planner.Plan(config, HookEventParser.Parse(env, "node1.lab.example")).Routes[0].Applies);
        Assert.False(Planner.Plan(config, HookEventParser.Parse(env, "node2.lab.example")).Routes[0].Applies);
    }

    [Fact]
    public void Once_picks_one_node_of_a_verified_group_without_the_master()
    {
        var env = Fixtures.Env("cluster-verify-post-node2-01");
        env.Remove("GANETI_NODE_TAGS_node1.lab.example");
        env["GANETI_NODE_TAGS_node3.lab.example"] = "";
        var config = Config("sinks: { f: { type: file, path: /x } }\nroutes: [ { name: r, to: [f] } ]\n");
        Assert.True(Planner.Plan(config, HookEventParser.Parse(env, "node2.lab.example")).Routes[0].Applies);
        Assert.False(Planner.Plan(config, HookEventParser.Parse(env, "node3.lab.example")).Routes[0].Applies);
    }

    [Fact]
    public void Gates_apply_only_in_the_pre_phase()
    {
        const string yaml = """
            gates:
              - name: naming
                matchers: ['hook="instance-migrate"']
                deny_unless: { instance: '^[a-z]+$' }
                on_error: deny
            """;
        Assert.True(PlanFor(yaml, "instance-migrate-pre-node1-01", "node1.lab.example").Gates[0].Applies);
        var post = PlanFor(yaml, "instance-migrate-post-node1-01", "node1.lab.example").Gates[0];
        Assert.False(post.Applies);
        Assert.Contains("pre phase", post.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Disk_resize_action_applies_on_the_primary_after_disk_grow()
    {
        const string yaml = "actions: { disk_resize: { enabled: true }, cpu_pinning: { enabled: false } }\n";
        var plan = PlanFor(yaml, "disk-grow-post-node1-01", "node1.lab.example");
        Assert.True(plan.Actions.Single(a => a.Name == "disk_resize").Applies);
        Assert.Equal("disabled", plan.Actions.Single(a => a.Name == "cpu_pinning").Reason);
        Assert.False(PlanFor(yaml, "disk-grow-pre-node1-01", "node1.lab.example").Actions[0].Applies);
    }

    [Fact]
    public void A_plan_is_not_changed_by_plans_made_before_it_from_the_same_configuration()
    {
        // simulate and the daemon plan many events from one loaded configuration (and compiled
        // matchers may be cached in it): nothing may carry over from one event to the next.
        var config = Config(LiveMigrations);
        Plan For(string capture, string node) => Planner.Plan(config, HookEventParser.Parse(Fixtures.Env(capture), node));
        var first = For("instance-migrate-post-node1-01", "node1.lab.example");
        var other = For("instance-add-post-node1-01", "node2.lab.example");
        var again = For("instance-migrate-post-node1-01", "node1.lab.example");
        Assert.Equal([new PlannedDelivery("live-migrations", "chat"), new PlannedDelivery("live-migrations", "grafana"), new PlannedDelivery("everything", "chat")], first.Deliveries);
        Assert.Equal([new PlannedDelivery("everything", "chat")], other.Deliveries);
        Assert.False(other.Routes[0].Applies);
        Assert.Equal(first.Deliveries, again.Deliveries);
        Assert.Equal(first.Routes, again.Routes);
    }
}
