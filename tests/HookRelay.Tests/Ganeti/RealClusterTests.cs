using HookRelay.Tests.Support;

namespace HookRelay.Tests.Ganeti;

/// <summary>
/// `hookrelay cluster check` and `cluster push` on the lab's two nodes, each with its own
/// /etc/hookrelay: equal nodes pass; a configuration changed on node2 and a hook link missing on
/// node1 are both named and fail the check; push (gnt-cluster copyfile, install everywhere)
/// repairs both.
/// </summary>
[Collection(RealGanetiCluster.Name)]
public sealed class RealClusterTests(GanetiLab lab)
{
    private Task<LabRun> Hookrelay(params string[] arguments) => lab.InNodeAsync(1, [$"{lab.Bin}/hookrelay", .. arguments]);

    [Fact]
    public async Task Check_names_a_changed_configuration_and_a_missing_link_and_push_repairs_both()
    {
        var equal = await Hookrelay("cluster", "check");
        Assert.True(equal.ExitCode == 0, equal.Output);
        Assert.True(equal.Output.Contains("node1.lab.example", StringComparison.Ordinal), equal.Output);
        Assert.True(equal.Output.Contains("node2.lab.example", StringComparison.Ordinal), equal.Output);
        Assert.True(equal.Output.Contains("all nodes run the same HookRelay with the same configuration", StringComparison.Ordinal), equal.Output);

        var config = Path.Combine(lab.EtcOf(2), "hookrelay.yaml");
        const string link = "/etc/ganeti/hooks/instance-add-post.d/hookrelay";
        try
        {
            await File.AppendAllTextAsync(config, "\n# edited by hand on node2\n", TestContext.Current.CancellationToken);
            var removed = await lab.InNodeAsync(1, "rm", link);
            Assert.True(removed.ExitCode == 0, removed.Output);

            var drift = await Hookrelay("cluster", "check");

            Assert.True(drift.ExitCode == 1, drift.Output);
            Assert.True(drift.Output.Contains("node2.lab.example: configuration /etc/hookrelay/hookrelay.yaml has hash", StringComparison.Ordinal), drift.Output);
            Assert.True(drift.Output.Contains($"node1.lab.example: 1 hook link not in place: link {link}", StringComparison.Ordinal), drift.Output);
            Assert.False(drift.Output.Contains("node2.lab.example: 1 hook link", StringComparison.Ordinal), drift.Output);

            var push = await Hookrelay("cluster", "push");

            Assert.True(push.ExitCode == 0, push.Output);
            Assert.True(push.Output.Contains("told hookrelay serve", StringComparison.Ordinal), push.Output);
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(lab.EtcOf(1), "hookrelay.yaml"), TestContext.Current.CancellationToken),
                await File.ReadAllTextAsync(config, TestContext.Current.CancellationToken));
            Assert.True((await lab.InNodeAsync(1, "test", "-L", link)).ExitCode == 0, $"{link} is back");
            var after = await Hookrelay("cluster", "check", "--json");
            Assert.True(after.ExitCode == 0, after.Output);
            // From a node that is not the master, the same check goes over ssh, as Ganeti's own tools reach the nodes.
            var fromNode2 = await lab.InNodeAsync(2, $"{lab.Bin}/hookrelay", "cluster", "check");
            Assert.True(fromNode2.ExitCode == 0, fromNode2.Output);
            Assert.True(fromNode2.Output.Contains("2 nodes, through ssh", StringComparison.Ordinal), fromNode2.Output);
        }
        finally
        {
            // Whatever failed above, the other lab tests need both nodes as they were.
            File.Copy(Path.Combine(lab.EtcOf(1), "hookrelay.yaml"), config, overwrite: true);
            await lab.InNodeAsync(1, $"{lab.Bin}/hookrelay", "install");
        }
    }
}
