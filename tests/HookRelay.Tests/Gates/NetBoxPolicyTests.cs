using System.Text;
using System.Text.Json.Nodes;
using HookRelay.Events;
using HookRelay.Gates;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Gates;

/// <summary>
/// The netbox policy against the NetBox 4.2.2 stand-in: web-1's instance-add (the real capture's
/// pre run, 192.0.2.2 on its first NIC) is allowed only when NetBox holds its VM planned or staged,
/// by name or by address; NetBox down or slow goes to on_error.
/// </summary>
public sealed class NetBoxPolicyTests : IAsyncLifetime
{
    private NetBoxStandIn _netbox = null!;
    private long _cluster;

    public async ValueTask InitializeAsync()
    {
        _netbox = await NetBoxStandIn.StartAsync();
        _cluster = _netbox.Seed("virtualization/clusters", new JsonObject { ["name"] = "cluster.lab.example" });
    }

    public async ValueTask DisposeAsync()
    {
        Assert.Empty(_netbox.Violations);
        await _netbox.DisposeAsync();
    }

    private GateVerdict Ask(string onError = "deny", string url = "", string hook = "instance-add-pre-node1-01")
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes($$"""
            sinks:
              nb: { type: netbox, url: "{{(url.Length > 0 ? url : _netbox.Url)}}", token: {{NetBoxStandIn.Token}} }
            gates:
              - { name: planned-in-netbox, on_error: {{onError}}, matchers: ['hook="instance-add"'], netbox: { sink: nb, timeout: 3s } }
            """), "test.yaml");
        var plan = Planner.Plan(config, HookEventParser.Parse(Fixtures.Env(hook), "node1.lab.example"));
        return Assert.Single(GateEvaluator.Decide(config, plan, DateTimeOffset.UtcNow, HttpPolicies.Ask, TestContext.Current.CancellationToken).Verdicts);
    }

    private long Vm(string name, string status, long? cluster) => _netbox.Seed("virtualization/virtual-machines", cluster is { } id
        ? new JsonObject { ["name"] = name, ["status"] = status, ["cluster"] = id }
        : new JsonObject { ["name"] = name, ["status"] = status, ["site"] = _netbox.Seed("dcim/sites", new JsonObject { ["name"] = "dc1", ["slug"] = "dc1" }) });

    [Fact]
    public void An_instance_netbox_does_not_hold_is_denied_naming_what_was_looked_for()
    {
        var verdict = Ask();

        Assert.Equal((GateOutcome.Deny, false), (verdict.Outcome, verdict.Allowed));
        Assert.EndsWith("holds no planned or staged virtual machine named web-1.lab.example or with address 192.0.2.2", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("planned", true)]
    [InlineData("staged", false)]
    public void A_vm_planned_or_staged_by_name_allows_it(string status, bool inCluster)
    {
        Vm("web-1.lab.example", status, inCluster ? _cluster : null);

        var verdict = Ask();

        Assert.Equal((GateOutcome.Allow, true), (verdict.Outcome, verdict.Allowed));
        Assert.EndsWith($"holds virtual machine web-1.lab.example as {status}", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vm_already_active_is_not_one_netbox_expects_and_denies()
    {
        Vm("web-1.lab.example", "active", _cluster);

        Assert.False(Ask().Allowed);
    }

    [Fact]
    public void A_vm_planned_with_the_instances_address_under_another_name_allows_it()
    {
        var vm = Vm("web-frontend", "planned", _cluster);
        var nic = _netbox.Seed("virtualization/interfaces", new JsonObject { ["name"] = "eth0", ["virtual_machine"] = vm });
        _netbox.Seed("ipam/ip-addresses", new JsonObject { ["address"] = "192.0.2.2/24", ["assigned_object_type"] = "virtualization.vminterface", ["assigned_object_id"] = nic });

        var verdict = Ask();

        Assert.True(verdict.Allowed, verdict.Reason);
        Assert.EndsWith("holds virtual machine web-frontend as planned with address 192.0.2.2/24", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deny", false)]
    [InlineData("allow", true)]
    public void Netbox_unreachable_is_an_error_that_on_error_decides(string onError, bool allowed)
    {
        var verdict = Ask(onError, url: $"http://127.0.0.1:{ServiceProcesses.FreeLoopbackPort()}");

        Assert.Equal((GateOutcome.Error, allowed), (verdict.Outcome, verdict.Allowed));
        Assert.EndsWith($"; on_error: {onError}", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Netbox_failing_is_an_error_with_its_answer()
    {
        _netbox.FailNext.Enqueue(503);

        var verdict = Ask();

        Assert.Equal(GateOutcome.Error, verdict.Outcome);
        Assert.Contains("answered 503", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gate_naming_a_sink_that_is_not_netbox_is_a_configuration_error_at_its_line()
    {
        var errors = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Encoding.UTF8.GetBytes("""
            sinks:
              log: { type: file, path: /tmp/x.jsonl }
            routes:
              - { name: r, to: [log] }
            gates:
              - { name: g, on_error: deny, netbox: { sink: log } }
            """), "test.yaml"));

        Assert.Contains("test.yaml:6:48: error: gate 'g', netbox.sink: 'log' is not a netbox sink (none is defined)", errors.Message, StringComparison.Ordinal);
    }
}
