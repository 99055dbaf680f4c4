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
}
