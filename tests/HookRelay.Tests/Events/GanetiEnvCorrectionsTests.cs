using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Events;

/// <summary>ganeti/ganeti#1248: the master IP hooks' environment, as Ganeti 3.0 builds it and as a fixed Ganeti would.</summary>
public class GanetiEnvCorrectionsTests
{
    [Theory]
    [InlineData("master-ip-turnup")]
    [InlineData("master-ip-turndown")]
    public void Master_ip_hooks_get_back_their_cluster_and_master_and_keep_the_raw_environment(string hook)
    {
        var env = CatalogEnvironments.For(hook, "pre");
        Assert.Equal(CatalogEnvironments.Cluster, env["GANETI_OBJECT_TYPE"]);
        var ev = HookEventParser.Parse(env, CatalogEnvironments.Master);
        Assert.Equal(CatalogEnvironments.Cluster, ev.Cluster);
        Assert.Equal(CatalogEnvironments.Master, ev.Master);
        Assert.Null(ev.ObjectType);
        Assert.Equal("ganeti://" + CatalogEnvironments.Cluster, CloudEvent.For(ev, DateTimeOffset.UnixEpoch).Source);
        Assert.Contains("master", ev.Node.Roles);
        // What Ganeti gave stays as it gave it.
        Assert.Equal(CatalogEnvironments.Master, ev.Env["GANETI_CLUSTER"]);
        Assert.Equal(CatalogEnvironments.Cluster, ev.Env["GANETI_OBJECT_TYPE"]);
        Assert.False(ev.Env.ContainsKey("GANETI_MASTER"));
        // Matchers see the corrected values.
        Assert.True(Matcher.TryParse("cluster=\"cluster.lab.example\"", out var matcher, out _));
        Assert.True(matcher!.Matches(new EventAttributes(ev).Get(matcher.Name)));
    }

    [Fact]
    public void A_master_ip_environment_without_the_shift_is_read_as_it_is()
    {
        var env = CatalogEnvironments.For("master-ip-turnup", "post");
        env["GANETI_CLUSTER"] = CatalogEnvironments.Cluster;
        env["GANETI_MASTER"] = CatalogEnvironments.Node;
        env.Remove("GANETI_OBJECT_TYPE");
        var ev = HookEventParser.Parse(env, CatalogEnvironments.Node);
        Assert.Equal(CatalogEnvironments.Cluster, ev.Cluster);
        Assert.Equal(CatalogEnvironments.Node, ev.Master);
        Assert.Equal(CatalogEnvironments.Node, ev.Target);
    }

    [Fact]
    public void Other_paths_are_not_corrected_even_with_a_strange_object_type()
    {
        var env = CatalogEnvironments.For("cluster-modify", "pre");
        env["GANETI_OBJECT_TYPE"] = "SOMETHING";
        env.Remove("GANETI_MASTER");
        var ev = HookEventParser.Parse(env, CatalogEnvironments.Master);
        Assert.Equal(CatalogEnvironments.Cluster, ev.Cluster);
        Assert.Equal("SOMETHING", ev.ObjectType);
        Assert.Null(ev.Master);
    }
}
