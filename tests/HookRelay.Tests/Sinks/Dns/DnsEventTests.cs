using HookRelay.Sinks.Dns;
using HookRelay.Sinks.Messages;

namespace HookRelay.Tests.Sinks.Dns;

/// <summary>What the real captures ask of DNS.</summary>
public sealed class DnsEventTests
{
    private static DnsEvent? From(string capture)
    {
        using var view = new EventView(SinkTestEvents.Message(capture).CloudEventJson);
        return DnsEvent.From(view);
    }

    [Fact]
    public void An_add_asks_for_the_instance_with_its_nics_after_the_operation()
    {
        var change = From("instance-add-post-node1-01")!;

        var instance = Assert.Single(change.Present);
        Assert.Equal("web-1.lab.example", instance.Name);
        Assert.Equal(new DnsNic(0, "192.0.2.2", "aa:00:00:7e:0c:37", "net1", "2001:db8::/64"), instance.Nics[0]);
        Assert.Equal(["web-1.lab.example"], change.Scope);
    }

    [Fact]
    public void A_modify_that_adds_a_nic_asks_for_its_address_too()
    {
        var change = From("instance-modify-post-node1-02")!;

        Assert.Contains(Assert.Single(change.Present).Nics, n => n.Ip == "198.51.100.9");
    }

    [Fact]
    public void A_remove_asks_for_no_records_for_the_instance()
    {
        var change = From("instance-remove-post-node1-01")!;

        Assert.Empty(change.Present);
        Assert.Single(change.Scope);
    }

    [Fact]
    public void A_rename_asks_for_the_new_name_and_decides_both()
    {
        var change = From("instance-rename-post-node1-e2e01")!;

        Assert.Equal("web-22.lab.example", Assert.Single(change.Present).Name);
        Assert.Equal(["web-21.lab.example", "web-22.lab.example"], change.Scope.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("instance-add-pre-node1-01")]
    [InlineData("node-modify-post-node1-01")]
    public void Pre_events_and_other_objects_ask_nothing(string capture) => Assert.Null(From(capture));
}
