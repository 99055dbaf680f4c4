using System.Text;
using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Rules;

public class ConfigSnapshotTests
{
    /// <summary>Every kind of rule the slicer must place: path, phase, regex and verdict matchers, gates, actions, timing.</summary>
    private const string Rich = """
        state_dir: /tmp/hookrelay-snapshot-test
        node_name: node1.lab.example
        hook: { journal: false, on_internal_error: deny }
        sinks:
          chat: { type: file, path: /tmp/a }
          grafana: { type: file, path: /tmp/b }
          unused: { type: file, path: /tmp/c }
        routes:
          - { name: live, on_node: master, matchers: ['hook="instance-migrate"', 'phase="post"', 'migrate_live="True"'], to: [chat, grafana] }
          - { name: node-ops, on_node: all, matchers: ['hook=~"node-.*"'], to: [chat] }
          - { name: denials, matchers: ['verdict="deny"'], to: [chat] }
          - { name: prod, on_node: primary, matchers: ['tag="env:prod"', 'phase="post"', 'hook=~"instance-.*"'], to: [grafana] }
          - { name: not-groups, matchers: ['hook!~"group-.*"', 'phase="post"', 'hook!="cluster-verify"'], to: [grafana] }
          - { name: adds-pre, matchers: ['hook="instance-add"', 'phase="pre"'], to: [chat] }
        gates:
          - name: sizes
            matchers: ['hook=~"instance-(add|modify)"']
            on_error: deny
            limits: { memory_mib: 256 }
          - name: names
            matchers: ['hook="instance-add"']
            on_error: deny
            deny_unless: { instance: '^web-.*' }
          - name: protected
            matchers: ['hook="instance-remove"']
            on_error: allow
            protect_tag: keep
        actions:
          disk_resize: { enabled: true }
        """;

    private static readonly string[] Nodes = ["node1.lab.example", "node2.lab.example"];

    public static TheoryData<string> Configurations() => ["rich", "ganeti-tour.yaml", "live-migration.yaml"];

    private static HookRelayConfig Whole(string name) => ConfigLoader.Parse(
        name == "rich" ? Encoding.UTF8.GetBytes(Rich) : File.ReadAllBytes(Path.Combine(Support.Repository.Root, "examples", name)), name);

    /// <summary>Every catalog path and phase, and every real capture, on both nodes.</summary>
    private static IEnumerable<HookEvent> Events() =>
        from env in HooksCatalog.All.SelectMany(p => p.Phases.Select(phase => CatalogEnvironments.For(p.Path, phase)))
            .Concat(Fixtures.CaptureNames().Select(Fixtures.Env))
        from node in Nodes
        select HookEventParser.Parse(env, node);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Every_run_plans_the_same_from_its_slice_as_from_the_whole_file(string name)
    {
        var whole = Whole(name);
        using var dir = new TempDir();
        var saved = Path.Combine(dir.Path, "snapshot");
        File.WriteAllBytes(saved, ConfigSnapshot.Compile(whole, null, 0).ToBytes());
        var snapshot = ConfigSnapshot.Open(saved, name);
        var checkedRuns = 0;
        var idleRuns = 0;
        foreach (var ev in Events())
        {
            var expected = Applying(whole, ev);
            var run = snapshot.For(ev.Hook, ev.Phase, ev.HooksVersion);
            if (run.Config is null)
            {
                // No slice: the whole file must have had nothing to do with this run either.
                Assert.True(expected.Length == 0, $"{ev.Hook}-{ev.Phase} on {ev.Node.Name} has no slice, but the whole file does: {string.Join("; ", expected)}");
                Assert.Equal(whole.StateDir, run.StateDir);
                Assert.Equal(whole.Hook.Journal, run.Journal);
                Assert.Equal(whole.NodeName, run.NodeName);
                idleRuns++;
                continue;
            }
            Assert.Equal(expected, Applying(run.Config, ev));
            Assert.Equal(whole.Hook, run.Config.Hook);
            Assert.Equal(whole.Delivery, run.Config.Delivery);
            Assert.Equal(whole.StateDir, run.Config.StateDir);
            Assert.Equal(whole.Content, run.Config.Content);
            checkedRuns++;
        }
        Assert.True(checkedRuns > 0 && idleRuns > 0, $"{checkedRuns} runs from slices, {idleRuns} without: the configuration must exercise both");
    }

    /// <summary>What a run does under a configuration: deliveries, gates and actions that apply, and whether a pre run notes the start.</summary>
    private static string[] Applying(HookRelayConfig config, HookEvent ev)
    {
        var plan = Planner.Plan(config, ev);
        // A denial is routed by the verdict-bearing event, so plan as the hook does after the gates.
        var denied = plan with { Event = ev with { Gates = [.. plan.Gates.Where(g => g.Applies).Select(g => new GateResult(g.Name, "deny", false, "test"))] } };
        return
        [
            .. plan.Deliveries.Select(d => $"deliver {d.Route}→{d.Sink}"),
            .. Planner.Plan(config, denied.Event).Deliveries.Select(d => $"after a denial, deliver {d.Route}→{d.Sink}"),
            .. plan.Gates.Where(g => g.Applies).Select(g => $"gate {g.Name}"),
            .. plan.Actions.Where(a => a.Applies).Select(a => $"action {a.Name}"),
            .. ev.Phase == "pre" && Planner.WantsTiming(config, ev.Hook) ? ["note the start"] : Array.Empty<string>(),
        ];
    }

    [Fact]
    public void A_slice_holds_only_the_rules_and_sinks_its_run_can_use()
    {
        var snapshot = ConfigSnapshot.Compile(Whole("rich"), null, 0);
        var add = snapshot.For("instance-add", "pre", "2").Config!;
        // prod and not-groups take only post runs: the pre slice has them so that the pre run notes the start.
        Assert.Equal(["denials", "prod", "not-groups", "adds-pre"], add.Routes.Select(r => r.Name));
        Assert.Equal(["sizes", "names"], add.Gates.Select(g => g.Name));
        Assert.DoesNotContain("unused", add.Sinks.Keys);
        var groupRename = snapshot.For("group-rename", "post", "2");
        Assert.Null(groupRename.Config);
    }

    [Fact]
    public void A_path_the_catalog_does_not_know_runs_with_the_whole_file()
    {
        var whole = Whole("rich");
        var run = ConfigSnapshot.Compile(whole, null, 0).For("instance-teleport", "post", "2");
        Assert.Equal(whole.Routes.Select(r => r.Name), run.Config!.Routes.Select(r => r.Name));
        var otherVersion = ConfigSnapshot.Compile(whole, null, 0).For("instance-add", "post", "3");
        Assert.Equal(whole.Routes.Count, otherVersion.Config!.Routes.Count);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(-10)]
    public void A_damaged_snapshot_reads_as_damaged_never_as_another_configuration(int fromHeader)
    {
        using var dir = new TempDir();
        var saved = Path.Combine(dir.Path, "snapshot");
        var bytes = ConfigSnapshot.Compile(Whole("rich"), null, 0).ToBytes();
        var headerLength = BitConverter.ToInt32(bytes);
        // A byte of the header, or of the slice of instance-add's pre run that follows it.
        var at = fromHeader > 0 ? fromHeader : sizeof(int) + headerLength - fromHeader;
        bytes[at] ^= 0x20;
        File.WriteAllBytes(saved, bytes);
        Assert.Throws<InvalidDataException>(() =>
        {
            var snapshot = ConfigSnapshot.Open(saved, "rich");
            foreach (var path in HooksCatalog.All)
            {
                foreach (var phase in path.Phases)
                {
                    _ = snapshot.For(path.Path, phase, "2");
                }
            }
        });
    }

    [Fact]
    public void A_run_from_a_slice_reads_the_file_bytes_only_when_they_are_asked_for()
    {
        using var dir = new TempDir();
        var saved = Path.Combine(dir.Path, "snapshot");
        var bytes = ConfigSnapshot.Compile(Whole("rich"), null, 0).ToBytes();
        // The file's bytes are the snapshot's last part: damaged there, only reading them can tell.
        bytes[^1] ^= 0x20;
        File.WriteAllBytes(saved, bytes);
        var run = ConfigSnapshot.Open(saved, "rich").For("instance-add", "pre", "2");
        Assert.Equal(["sizes", "names"], run.Config!.Gates.Select(g => g.Name));
        Assert.Throws<InvalidDataException>(() => run.Config.Content);
    }

    [Fact]
    public void A_run_takes_its_slice_from_the_snapshot_its_header_came_from_though_it_is_replaced_meanwhile()
    {
        using var dir = new TempDir();
        var saved = Path.Combine(dir.Path, "snapshot");
        File.WriteAllBytes(saved, ConfigSnapshot.Compile(Whole("rich"), null, 0).ToBytes());
        var snapshot = ConfigSnapshot.Open(saved, "rich");
        var other = Rich.Replace("name: sizes", "name: memory-sizes", StringComparison.Ordinal).Replace("'^web-.*'", "'^db-.*'", StringComparison.Ordinal);
        File.WriteAllBytes(saved, ConfigSnapshot.Compile(ConfigLoader.Parse(Encoding.UTF8.GetBytes(other), "rich"), null, 0).ToBytes());
        var add = snapshot.For("instance-add", "pre", "2").Config!;
        Assert.Equal(["sizes", "names"], add.Gates.Select(g => g.Name));
        Assert.Equal(Encoding.UTF8.GetBytes(Rich), add.Content);
    }

    [Fact]
    public void A_snapshot_larger_than_its_first_read_gives_every_run_the_slice_it_was_cut_with()
    {
        // A thousand routes, each for one instance: about 150 KB, beyond the first 64 KiB read.
        var routes = string.Concat(Enumerable.Range(0, 1000).Select(i =>
            $"  - {{ name: vm-{i}, matchers: ['hook=\"instance-{(i % 2 == 0 ? "add" : "remove")}\"', 'instance=\"vm-{i}.lab.example\"'], to: [chat] }}\n"));
        var yaml = Rich.Replace("routes:\n", "routes:\n" + routes, StringComparison.Ordinal);
        var whole = ConfigLoader.Parse(Encoding.UTF8.GetBytes(yaml), "large");
        var compiled = ConfigSnapshot.Compile(whole, null, 0);
        using var dir = new TempDir();
        var saved = Path.Combine(dir.Path, "snapshot");
        var bytes = compiled.ToBytes();
        Assert.True(bytes.Length > 128 * 1024, $"the snapshot is {bytes.Length} bytes");
        File.WriteAllBytes(saved, bytes);
        var opened = ConfigSnapshot.Open(saved, "large");
        foreach (var path in HooksCatalog.All)
        {
            foreach (var phase in path.Phases)
            {
                var expected = compiled.For(path.Path, phase, "2").Config;
                var read = opened.For(path.Path, phase, "2").Config;
                Assert.Equal(expected?.Routes.Select(r => r.Name), read?.Routes.Select(r => r.Name));
                Assert.Equal(expected?.Gates.Select(g => g.Name), read?.Gates.Select(g => g.Name));
            }
        }
        Assert.Equal(1000 + 6, opened.For("instance-teleport", "post", "2").Config!.Routes.Count);
        Assert.Equal(Encoding.UTF8.GetBytes(yaml), opened.For("instance-add", "post", "2").Config!.Content);
    }

    [Fact]
    public void An_older_last_good_copy_of_bare_yaml_is_recalled_and_cut_again()
    {
        using var dir = new TempDir();
        var copy = ConfigSnapshot.Open(dir.File(".hookrelay.yaml.good-0123456789abcdef", Rich), "rich");
        Assert.False(copy.IsCurrent);
        Assert.Equal(Whole("rich").Routes.Count, copy.For("group-rename", "post", "2").Config!.Routes.Count);
    }
}
