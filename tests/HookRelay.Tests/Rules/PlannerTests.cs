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
    public void An_applying_action_is_queued_for_this_nodes_daemon_and_only_on_the_primary()
    {
        const string yaml = "actions: { disk_resize: {} }\n";

        var onPrimary = PlanFor(yaml, "disk-grow-post-node1-01", "node1.lab.example");
        var elsewhere = PlanFor(yaml, "disk-grow-post-node1-01", "node2.lab.example");

        Assert.Equal([new PlannedDelivery("action", "action:disk_resize")], onPrimary.Deliveries);
        Assert.Empty(elsewhere.Deliveries);
        Assert.Contains("is not the instance's primary", elsewhere.Actions.Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_pinning_runs_on_both_ends_of_a_migration_and_only_on_the_primary_after_a_start()
    {
        const string yaml = "actions: { cpu_pinning: {} }\n";

        var newPrimary = PlanFor(yaml, "instance-migrate-post-node2-01", "node2.lab.example").Actions.Single();
        var oldPrimary = PlanFor(yaml, "instance-migrate-post-node1-01", "node1.lab.example").Actions.Single();
        var notPrimary = PlanFor(yaml, "instance-start-post-node1-01", "node2.lab.example").Actions.Single();

        Assert.Equal("matched (this node node2.lab.example is the instance's primary)", newPrimary.Reason);
        Assert.Equal("matched (this node node1.lab.example is the old primary)", oldPrimary.Reason);
        Assert.False(notPrimary.Applies);
        Assert.Equal("this node node2.lab.example is not the instance's primary", notPrimary.Reason);
        // A move: the node it left acts too (to give back), though Ganeti names it no old primary.
        Assert.True(PlanFor(yaml, "instance-move-post-node1-e2e01", "node1.lab.example").Actions.Single().Applies);
    }

    [Fact]
    public void An_actions_matchers_narrow_when_it_runs()
    {
        const string yaml = "actions: { disk_resize: { matchers: ['instance=~\"db-.*\"'] } }\n";

        var plan = PlanFor(yaml, "disk-grow-post-node1-01", "node1.lab.example");

        Assert.Empty(plan.Deliveries);
        Assert.Contains("instance=~\"db-.*\" does not match", plan.Actions.Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Shaping_is_queued_on_the_primary_after_a_start_and_on_the_old_primary_after_a_migration()
    {
        const string yaml = "actions: { shaping: { device: bond1 } }\n";

        var start = PlanFor(yaml, "instance-start-post-node1-01", "node1.lab.example");
        var away = PlanFor(yaml, "instance-migrate-post-node1-01", "node1.lab.example");

        Assert.True(start.Actions.Single().Applies);
        Assert.Equal(new PlannedDelivery("action", "action:shaping"), Assert.Single(start.Deliveries));
        Assert.Contains("old primary", away.Actions.Single().Reason, StringComparison.Ordinal);
        Assert.Equal(new PlannedDelivery("action", "action:shaping"), Assert.Single(away.Deliveries));
    }

    [Fact]
    public void Own_events_go_only_to_routes_that_name_their_kind_and_hook_runs_never_do()
    {
        var config = Config("""
            sinks: { a: { type: file, path: /tmp/a }, b: { type: file, path: /tmp/b } }
            routes:
              - { name: failures, matchers: ['kind="action"', 'outcome="failed"'], to: [a] }
              - { name: disk-grows, matchers: ['hook="disk-grow"'], to: [b] }
            """);
        var ev = HookEventParser.Parse(Fixtures.Env("disk-grow-post-node1-01"), "node1.lab.example");
        var trigger = new global::HookRelay.Outbox.StoredEvent("e1", "org.ganeti.disk-grow.post", CloudEvent.For(ev, DateTimeOffset.UtcNow).ToJsonUtf8());
        DocumentAttributes Outcome(string outcome) =>
            new(new global::HookRelay.Sinks.Messages.EventView(HookRelay.Actions.ActionOutcomeEvent.Compose(trigger, "disk_resize", outcome, "why", DateTimeOffset.UtcNow)));

        Assert.Equal([new PlannedDelivery("failures", "a")], Planner.PlanOwnEvent(config, Outcome("failed")));
        Assert.Empty(Planner.PlanOwnEvent(config, Outcome("done")));
        // The hook run itself: its kind is hook, so only the disk-grow route takes it.
        Assert.Equal([new PlannedDelivery("disk-grows", "b")], Planner.Plan(config, ev).Deliveries);
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
