using System.Text;
using HookRelay.Events;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Sinks;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Messages;

/// <summary>
/// The default sentence of every captured hook run, in Sinks/Messages/Golden/default-messages.txt.
/// Regenerate with UPDATE_GOLDEN=1 after a deliberate change, and read the diff.
/// </summary>
public class DefaultMessagesTests
{
    private static EventView View(string capture, Func<HookEvent, HookEvent>? change = null) =>
        SinkTestEvents.Message(capture, change).View();

    [Fact]
    public void Every_capture_has_its_golden_sentence()
    {
        var actual = new StringBuilder();
        foreach (var capture in Fixtures.CaptureNames())
        {
            using var view = View(capture);
            actual.Append(capture).Append(": ").Append(DefaultMessages.For(view).Render(TextFormat.Plain)).Append('\n');
        }
        Golden.AssertMatches("default-messages.txt", actual.ToString());
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_known_post_run_gets_a_sentence_of_its_own(string capture)
    {
        using var view = View(capture);
        var text = DefaultMessages.For(view).Render(TextFormat.Plain);
        Assert.DoesNotContain("(post)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("?", text, StringComparison.Ordinal);
    }

    public static TheoryData<string> Captures() => [.. Fixtures.CaptureNames()];

    public static TheoryData<string, string> PathsAndPhases() => CatalogEnvironments.PathsAndPhases();

    [Theory]
    [MemberData(nameof(PathsAndPhases))]
    public void Every_path_and_phase_of_the_catalog_names_its_target_without_a_gap(string hook, string phase)
    {
        var ev = HookEventParser.Parse(CatalogEnvironments.For(hook, phase), CatalogEnvironments.Master);
        var cloudEvent = new CloudEvent(SinkTestEvents.Id, SinkTestEvents.Time, OpKey.Compute(ev.Env), ev);
        using var view = new EventView(cloudEvent.ToJsonUtf8());
        var text = DefaultMessages.For(view).Render(TextFormat.Plain);
        Assert.DoesNotContain("?", text, StringComparison.Ordinal);
        Assert.DoesNotContain("(no target)", text, StringComparison.Ordinal);
        Assert.DoesNotContain($"({phase})", text, StringComparison.Ordinal);
        Assert.Contains(CatalogEnvironments.ExpectedTarget(hook), text, StringComparison.Ordinal);
        Assert.Contains(CatalogEnvironments.Cluster, text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_actions_outcome_says_which_action_for_what_on_which_node_and_why_not_the_operations_duration()
    {
        var trigger = SinkTestEvents.Message("disk-grow-post-node1-01", ev => ev with { Timing = new RunTiming(DateTimeOffset.UnixEpoch, 4200) });
        var outcome = HookRelay.Actions.ActionOutcomeEvent.Compose(new global::HookRelay.Outbox.StoredEvent(trigger.EventId, trigger.EventType, trigger.CloudEventJson.ToArray()),
            "disk_resize", "skipped", "web-1.lab.example runs on the fake hypervisor; only kvm has a QEMU to tell", DateTimeOffset.UtcNow);
        using var view = new EventView(outcome);

        Assert.Equal("action disk_resize for *web-1.lab.example* on node1.lab.example: skipped: web-1.lab.example runs on the fake hypervisor; "
            + "only kvm has a QEMU to tell", DefaultMessages.For(view).Render(TextFormat.SlackMrkdwn));
    }

    [Fact]
    public void A_dead_letter_says_which_sink_gave_up_on_what_after_how_many_attempts_and_why()
    {
        var undelivered = SinkTestEvents.Message("instance-migrate-post-node1-01");
        var dead = HookRelay.Delivery.DeadLetterEvent.Compose(new global::HookRelay.Outbox.StoredEvent(undelivered.EventId, undelivered.EventType,
            undelivered.CloudEventJson.ToArray()), "slack", 100, "503 Service Unavailable", DateTimeOffset.UtcNow);
        using var view = new EventView(dead);

        Assert.Equal("dead letter: sink 'slack' gave up on org.ganeti.instance-migrate.post for web-1.lab.example after 100 attempts: 503 Service Unavailable",
            DefaultMessages.For(view).Render(TextFormat.Plain));
    }

    [Fact]
    public void A_reconcile_says_what_was_reconciled_on_which_cluster_and_what_it_wrote()
    {
        var said = HookRelay.Reconcile.ReconcileEvent.Compose("dns", "pdns", "cluster.lab.example", 5, "5 RRsets written (2 create, 1 update, 2 delete)", 0, DateTimeOffset.UtcNow);
        using var view = new EventView(said);

        Assert.Equal("dns reconcile of sink 'pdns' on cluster.lab.example: 5 RRsets written (2 create, 1 update, 2 delete)", DefaultMessages.For(view).Render(TextFormat.Plain));
        Assert.Equal("org.hookrelay.reconcile.changed", view.Text("type"));
        Assert.Equal("pdns", view.Target ?? view.Text("subject"));
    }

    [Fact]
    public void Live_migration_names_both_nodes_the_cluster_and_the_duration()
    {
        using var view = View("instance-migrate-post-node1-01", ev => ev with { Timing = new RunTiming(DateTimeOffset.UnixEpoch, 4200) });
        Assert.Equal("*web-1.lab.example* live-migrated node1.lab.example → node2.lab.example on cluster cluster.lab.example (4.2 s)",
            DefaultMessages.For(view).Render(TextFormat.SlackMrkdwn));
        Assert.Equal("<b>web-1.lab.example</b> live-migrated node1.lab.example → node2.lab.example on cluster cluster.lab.example (4.2 s)",
            DefaultMessages.For(view).Render(TextFormat.Html));
    }

    [Fact]
    public void A_denied_pre_run_names_the_gate_and_its_reason()
    {
        using var view = View("instance-add-pre-node1-01", ev => ev with
        {
            Gates = [new GateResult("naming", "deny", false, "instance name 'Web_1' does not match ^[a-z0-9-]+$")],
        });
        var text = DefaultMessages.For(view).Render(TextFormat.Plain);
        Assert.StartsWith("instance-add ", text, StringComparison.Ordinal);
        Assert.Contains(" denied by gate 'naming': instance name 'Web_1' does not match ^[a-z0-9-]+$ on cluster", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gate_that_could_not_decide_but_let_it_through_is_said()
    {
        using var view = View("instance-add-pre-node1-01", ev => ev with
        {
            Gates = [new GateResult("policy", "timeout", true, "no answer within 2 s; on_error: allow")],
        });
        Assert.Contains("allowed although gate 'policy' could not decide: no answer within 2 s", DefaultMessages.For(view).Render(TextFormat.Plain), StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_names_are_escaped_in_every_format()
    {
        using var view = View("instance-remove-post-node1-01", ev => ev with { Instance = ev.Instance! with { Name = "<!here> *x*\n@all" } });
        var slack = DefaultMessages.For(view).Render(TextFormat.SlackMrkdwn);
        Assert.StartsWith("*&lt;!here&gt; \u200B*\u200Bx\u200B*\u200B @all* removed", slack, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", slack, StringComparison.Ordinal);
        Assert.StartsWith("<b>&lt;!here&gt; *x* @all</b> removed", DefaultMessages.For(view).Render(TextFormat.Html), StringComparison.Ordinal);
    }
}
