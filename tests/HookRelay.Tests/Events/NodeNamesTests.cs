using HookRelay.Events;

namespace HookRelay.Tests.Events;

public class NodeNamesTests
{
    [Theory]
    [InlineData("node1.lab.example", "node1.lab.example", true)]
    [InlineData("NODE1.lab.example", "node1.lab.EXAMPLE", true)]
    [InlineData("node1", "node1.lab.example", true)]
    [InlineData("node1.lab.example", "node1", true)]
    [InlineData("node1", "node10.lab.example", false)]
    [InlineData("node1.lab.example", "node1.other.example", false)]
    [InlineData("node1", "node2", false)]
    [InlineData("", "", false)]
    [InlineData(null, "node1", false)]
    public void Short_and_full_names_of_one_node_are_the_same_node(string? a, string? b, bool same) =>
        Assert.Equal(same, NodeNames.Same(a, b));
}
