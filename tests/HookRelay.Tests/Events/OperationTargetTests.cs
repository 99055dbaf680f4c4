using HookRelay.Events;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Events;

public class OperationTargetTests
{
    public static TheoryData<string, string> PathsAndPhases() => CatalogEnvironments.PathsAndPhases();

    [Theory]
    [MemberData(nameof(PathsAndPhases))]
    public void Every_path_of_the_catalog_names_its_target_and_its_cluster(string hook, string phase)
    {
        var ev = HookEventParser.Parse(CatalogEnvironments.For(hook, phase), CatalogEnvironments.Master);
        Assert.Equal(CatalogEnvironments.ExpectedTarget(hook), ev.Target);
        Assert.Equal(ev.Target, CloudEvent.For(ev, DateTimeOffset.UnixEpoch).Subject);
        Assert.Equal(CatalogEnvironments.Cluster, ev.Cluster);
        Assert.Equal(CatalogEnvironments.Master, ev.Master);
    }

    [Theory]
    [InlineData("node-migrate")]
    [InlineData("node-add")]
    [InlineData("node-modify")]
    [InlineData("node-remove")]
    public void Every_node_operation_carries_a_typed_node_target(string hook)
    {
        var ev = HookEventParser.Parse(CatalogEnvironments.For(hook, "post"), CatalogEnvironments.Master);
        Assert.Equal(CatalogEnvironments.Node, ev.NodeTarget?.Name);
    }

    [Fact]
    public void The_operation_target_ganeti_gives_wins()
    {
        var env = CatalogEnvironments.For("group-add", "post");
        env["GANETI_OP_TARGET"] = "given";
        Assert.Equal("given", HookEventParser.Parse(env, CatalogEnvironments.Master).Target);
    }

    [Fact]
    public void An_idle_run_finds_the_same_target_from_its_few_variables_as_from_all_of_them()
    {
        var environments = HooksCatalog.All.SelectMany(p => p.Phases.Select(phase => (Name: $"{p.Path}-{phase}", Env: CatalogEnvironments.For(p.Path, phase))))
            .Concat(Fixtures.CaptureNames().Select(name => (Name: name, Env: Fixtures.Env(name))))
            .ToList();
        var withTarget = 0;
        foreach (var (name, env) in environments)
        {
            var all = OrdinalDictionary.From(env);
            var few = OrdinalDictionary.From(env.Where(v => HookEventParser.IdleRunVariables.Contains(v.Key)));
            foreach (var node in new[] { "node1.lab.example", "node2.lab.example" })
            {
                var expected = HookEventParser.TargetOf(all, node);
                Assert.True(expected == HookEventParser.TargetOf(few, node), $"{name} on {node}: {expected} from every variable, {HookEventParser.TargetOf(few, node)} from the idle run's");
                withTarget += expected is null ? 0 : 1;
            }
        }
        Assert.True(withTarget > environments.Count, $"only {withTarget} of {environments.Count * 2} runs had a target: the comparison proves little");
    }
}
