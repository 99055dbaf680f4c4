using System.Text.Json.Nodes;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;
using HookRelay.Sinks.NetBox;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.NetBox;

/// <summary>
/// The NetBox sync against the stand-in held to NetBox 4.2.2's OpenAPI contract: events from the
/// real captures become virtual machines, interfaces, MAC and IP addresses and virtual disks;
/// every request the sync sends is checked against the contract (no violations, ever).
/// </summary>
public sealed class NetBoxSinkTests : IAsyncLifetime
{
    private const string Cluster = "cluster.lab.example";
    private NetBoxStandIn _netbox = null!;
    private long _cluster;

    public async ValueTask InitializeAsync()
    {
        _netbox = await NetBoxStandIn.StartAsync();
        _cluster = _netbox.Seed("virtualization/clusters", new JsonObject { ["name"] = Cluster });
        // node1's device carries its FQDN, node2's only its first label: both are found.
        _netbox.Seed("dcim/devices", new JsonObject { ["name"] = "node1.lab.example", ["cluster"] = _cluster });
        _netbox.Seed("dcim/devices", new JsonObject { ["name"] = "node2", ["cluster"] = _cluster });
        _netbox.Seed("extras/tags", new JsonObject { ["name"] = "ganeti", ["slug"] = "ganeti" });
    }

    public async ValueTask DisposeAsync()
    {
        Assert.Empty(_netbox.Violations);
        await _netbox.DisposeAsync();
    }

    private NetBoxSink Sink(params (string, string)[] more) => (NetBoxSink)SinkTypes.Find("netbox")!.Create(
        SinkTestEvents.Settings("netbox", [("url", _netbox.Url), ("token", NetBoxStandIn.Token), ("tags[0]", "ganeti"), .. more]), RouteTexts.None);

    private static async Task<DeliveryResult> DeliverAsync(NetBoxSink sink, SinkMessage message) => await sink.DeliverAsync(message, TestContext.Current.CancellationToken);

    private JsonObject Vm(string name = "web-1.lab.example") => Assert.Single(_netbox.Objects("virtualization/virtual-machines"), vm => vm["name"]!.ToString() == name);

    private List<JsonObject> Of(string collection, long vm) =>
        [.. _netbox.Objects(collection).Where(o => (o["virtual_machine"] as JsonObject)?["id"]?.GetValue<long>() == vm)];

    [Fact]
    public async Task An_added_instance_becomes_a_vm_with_its_interfaces_macs_addresses_and_disks()
    {
        using var sink = Sink();

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));

        var vm = Vm();
        var id = vm["id"]!.GetValue<long>();
        Assert.Equal(("active", _cluster, 2m, 256L, 2048L), (vm["status"]!["value"]!.ToString(), vm["cluster"]!["id"]!.GetValue<long>(),
            vm["vcpus"]!.GetValue<decimal>(), vm["memory"]!.GetValue<long>(), vm["disk"]!.GetValue<long>()));
        Assert.Equal("node1.lab.example", vm["device"]!["name"]!.ToString());
        Assert.Equal("noop+default", vm["platform"]!["name"]!.ToString());
        Assert.Equal("ganeti", Assert.Single(vm["tags"]!.AsArray())!["slug"]!.ToString());
        var nics = Of("virtualization/interfaces", id);
        Assert.Equal(["eth0", "eth1"], nics.Select(n => n["name"]!.ToString()).Order());
        var macs = _netbox.Objects("dcim/mac-addresses");
        Assert.Equal(["AA:00:00:7E:0C:37", "AA:00:00:A9:77:9E"], macs.Select(m => m["mac_address"]!.ToString()).Order());
        foreach (var nic in nics)
        {
            var mac = Assert.Single(macs, m => m["assigned_object_id"]!.GetValue<long>() == nic["id"]!.GetValue<long>());
            Assert.Equal(mac["id"]!.GetValue<long>(), nic["primary_mac_address"]!["id"]!.GetValue<long>());
        }
        var ip = Assert.Single(_netbox.Objects("ipam/ip-addresses"));
        Assert.Equal(("192.0.2.2/24", "active", nics.Single(n => n["name"]!.ToString() == "eth0")["id"]!.GetValue<long>()),
            (ip["address"]!.ToString(), ip["status"]!["value"]!.ToString(), ip["assigned_object_id"]!.GetValue<long>()));
        Assert.Equal(ip["id"]!.GetValue<long>(), vm["primary_ip4"]!["id"]!.GetValue<long>());
        Assert.Equal([("disk0", 1024L), ("disk1", 1024L)], Of("virtualization/virtual-disks", id).Select(d => (d["name"]!.ToString(), d["size"]!.GetValue<long>())).Order());
    }

    [Fact]
    public async Task The_same_event_again_writes_nothing()
    {
        using var sink = Sink();
        await DeliverAsync(sink, NetBoxTestEvents.Web1Added);
        var before = _netbox.Requests.Count;

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));

        Assert.All(_netbox.Requests.Skip(before), r => Assert.Equal("GET", r.Method));
        using var view = new EventView(NetBoxTestEvents.Web1Added.CloudEventJson);
        var plan = await sink.Planner.PlanEventAsync(NetBoxEvent.From(view)!, Cluster, TestContext.Current.CancellationToken);
        Assert.True(plan.IsEmpty, plan.Describe());
    }

    [Fact]
    public async Task A_migration_moves_the_vm_to_the_new_primary_nodes_device()
    {
        using var sink = Sink();
        await DeliverAsync(sink, NetBoxTestEvents.Web1Added);

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, SinkTestEvents.Message("instance-migrate-post-node1-01")));

        Assert.Equal("node2", Vm()["device"]!["name"]!.ToString());
    }

    [Fact]
    public async Task A_grown_disk_grows_its_virtual_disk_and_the_vms_total()
    {
        using var sink = Sink();
        // web-1 as it was before the grow: three 1 GiB disks.
        await DeliverAsync(sink, NetBoxTestEvents.Event("disk-grow-post-node1-01", i => i["disks"]![0]!["size_mib"] = 1024));
        Assert.Equal(1024 + 1024 + 1024, Vm()["disk"]!.GetValue<long>());

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, SinkTestEvents.Message("disk-grow-post-node1-01")));

        var vm = Vm();
        Assert.Equal(1280 + 1024 + 1024, vm["disk"]!.GetValue<long>());
        Assert.Equal(1280, Of("virtualization/virtual-disks", vm["id"]!.GetValue<long>()).Single(d => d["name"]!.ToString() == "disk0")["size"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_stopped_instance_is_offline_and_a_started_one_active()
    {
        using var sink = Sink();
        await DeliverAsync(sink, NetBoxTestEvents.Web1Added);

        await DeliverAsync(sink, SinkTestEvents.Message("instance-stop-post-node1-01"));
        Assert.Equal("offline", Vm()["status"]!["value"]!.ToString());

        await DeliverAsync(sink, SinkTestEvents.Message("instance-start-post-node1-01"));
        Assert.Equal("active", Vm()["status"]!["value"]!.ToString());
    }

    [Fact]
    public async Task A_rename_moves_the_vm_to_its_new_name_keeping_its_id()
    {
        using var sink = Sink();
        await DeliverAsync(sink, NetBoxTestEvents.Event("instance-add-post-node1-01", i => i["name"] = "web-21.lab.example"));
        var id = Vm("web-21.lab.example")["id"]!.GetValue<long>();

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, SinkTestEvents.Message("instance-rename-post-node1-e2e01")));

        Assert.Equal(id, Vm("web-22.lab.example")["id"]!.GetValue<long>());
        Assert.DoesNotContain(_netbox.Objects("virtualization/virtual-machines"), vm => vm["name"]!.ToString() == "web-21.lab.example");
    }

    [Fact]
    public async Task A_removed_instance_is_deleted_with_its_interfaces_and_addresses()
    {
        using var sink = Sink();
        await DeliverAsync(sink, NetBoxTestEvents.Event("instance-add-post-node1-01", i => i["name"] = "db-1.lab.example"));

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, SinkTestEvents.Message("instance-remove-post-node1-01")));

        Assert.Empty(_netbox.Objects("virtualization/virtual-machines"));
        Assert.Empty(_netbox.Objects("virtualization/interfaces"));
        Assert.Empty(_netbox.Objects("ipam/ip-addresses"));
        Assert.Empty(_netbox.Objects("dcim/mac-addresses"));
        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, SinkTestEvents.Message("instance-remove-post-node1-01")));
    }

    [Fact]
    public async Task With_on_remove_a_status_a_removed_instance_keeps_its_vm_in_that_status()
    {
        using var sink = Sink(("on_remove", "decommissioning"));
        await DeliverAsync(sink, NetBoxTestEvents.Event("instance-add-post-node1-01", i => i["name"] = "db-1.lab.example"));

        await DeliverAsync(sink, SinkTestEvents.Message("instance-remove-post-node1-01"));

        Assert.Equal("decommissioning", Vm("db-1.lab.example")["status"]!["value"]!.ToString());
    }

    [Fact]
    public async Task A_new_address_becomes_primary_and_the_old_one_is_unassigned_not_deleted()
    {
        using var sink = Sink();
        await DeliverAsync(sink, NetBoxTestEvents.Web1Added);

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, NetBoxTestEvents.Event("instance-add-post-node1-01", i => i["nics"]![0]!["ip"] = "192.0.2.3")));

        var addresses = _netbox.Objects("ipam/ip-addresses");
        var now = Assert.Single(addresses, a => a["address"]!.ToString() == "192.0.2.3/24");
        var old = Assert.Single(addresses, a => a["address"]!.ToString() == "192.0.2.2/24");
        Assert.Null(old["assigned_object_id"]);
        Assert.Equal(now["id"]!.GetValue<long>(), Vm()["primary_ip4"]!["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_nic_taken_away_deletes_its_interface_and_lets_its_address_go()
    {
        using var sink = Sink();
        await DeliverAsync(sink, NetBoxTestEvents.Web1Added);

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, NetBoxTestEvents.Web1Modified(i => i["nics"]!.AsArray().RemoveAt(0))));

        var vm = Vm();
        Assert.Equal(["eth1"], Of("virtualization/interfaces", vm["id"]!.GetValue<long>()).Select(n => n["name"]!.ToString()));
        Assert.Null(Assert.Single(_netbox.Objects("ipam/ip-addresses"))["assigned_object_id"]);
        Assert.Null(vm["primary_ip4"]);
    }

    [Fact]
    public async Task An_add_takes_over_the_vm_an_operator_planned_by_name()
    {
        var planned = _netbox.Seed("virtualization/virtual-machines", new JsonObject
        {
            ["name"] = "web-1.lab.example",
            ["status"] = "planned",
            ["site"] = _netbox.Seed("dcim/sites", new JsonObject { ["name"] = "dc1", ["slug"] = "dc1" }),
            ["comments"] = "for the web team",
        });
        using var sink = Sink();

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));

        var vm = Vm();
        Assert.Equal((planned, "active", "for the web team", _cluster), (vm["id"]!.GetValue<long>(), vm["status"]!["value"]!.ToString(), vm["comments"]!.ToString(),
            vm["cluster"]!["id"]!.GetValue<long>()));
    }

    [Fact]
    public async Task An_add_takes_over_the_vm_planned_with_its_address_under_another_name()
    {
        var planned = _netbox.Seed("virtualization/virtual-machines", new JsonObject { ["name"] = "web-new", ["status"] = "staged", ["cluster"] = _cluster });
        var nic = _netbox.Seed("virtualization/interfaces", new JsonObject { ["name"] = "eth0", ["virtual_machine"] = planned });
        _netbox.Seed("ipam/ip-addresses", new JsonObject { ["address"] = "192.0.2.2/24", ["status"] = "reserved", ["assigned_object_type"] = "virtualization.vminterface", ["assigned_object_id"] = nic });
        using var sink = Sink();

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));

        Assert.Equal(planned, Vm()["id"]!.GetValue<long>());
        Assert.Single(_netbox.Objects("virtualization/virtual-machines"));
        Assert.Equal("active", Assert.Single(_netbox.Objects("ipam/ip-addresses"))["status"]!["value"]!.ToString());
    }

    [Fact]
    public async Task An_address_netbox_has_on_another_vm_is_left_there_and_the_delivery_fails_naming_it()
    {
        var other = _netbox.Seed("virtualization/virtual-machines", new JsonObject { ["name"] = "old-web", ["status"] = "active", ["cluster"] = _cluster });
        var nic = _netbox.Seed("virtualization/interfaces", new JsonObject { ["name"] = "eth0", ["virtual_machine"] = other });
        _netbox.Seed("ipam/ip-addresses", new JsonObject { ["address"] = "192.0.2.2/24", ["assigned_object_type"] = "virtualization.vminterface", ["assigned_object_id"] = nic });
        using var sink = Sink();

        var result = Assert.IsType<DeliveryResult.Failed>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));

        Assert.Contains("192.0.2.2/24 is assigned to eth0", result.Reason, StringComparison.Ordinal);
        Assert.Equal(2, Of("virtualization/interfaces", Vm()["id"]!.GetValue<long>()).Count);
        Assert.Equal(nic, Assert.Single(_netbox.Objects("ipam/ip-addresses"))["assigned_object_id"]!.GetValue<long>());
    }

    [Fact]
    public async Task Netbox_busy_or_failing_is_retried_and_the_retry_finishes_the_job()
    {
        using var sink = Sink();
        _netbox.FailNext.Enqueue(429);

        var busy = Assert.IsType<DeliveryResult.Retry>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));
        Assert.Equal(TimeSpan.FromSeconds(1), busy.After);
        Assert.Contains("answered 429", busy.Reason, StringComparison.Ordinal);

        // Cut short halfway: the VM and eth0 are written, then NetBox fails.
        _netbox.FailAfter(11, 503); // planning reads 6 times; then tags, platform (read, made), the VM, eth0: and the MAC fails
        Assert.IsType<DeliveryResult.Retry>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));
        Assert.Single(_netbox.Objects("virtualization/virtual-machines"));

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));
        Assert.Equal(2, Of("virtualization/interfaces", Vm()["id"]!.GetValue<long>()).Count);
        Assert.Single(_netbox.Objects("ipam/ip-addresses"));
    }

    [Fact]
    public async Task A_refusal_shows_netboxs_own_words()
    {
        // NetBox's names are unique per cluster whatever their case; its name filter is not.
        _netbox.Seed("virtualization/virtual-machines", new JsonObject { ["name"] = "WEB-1.lab.example", ["status"] = "active", ["cluster"] = _cluster });
        using var sink = Sink();

        var result = Assert.IsType<DeliveryResult.Failed>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));

        Assert.Equal($"NetBox at {new Uri(_netbox.Url).Scheme}://{new Uri(_netbox.Url).Authority} answered 400 to POST /api/virtualization/virtual-machines/: Virtual machine name must be unique per cluster.", result.Reason);
    }

    [Fact]
    public async Task A_cluster_netbox_does_not_hold_fails_saying_so()
    {
        using var sink = Sink(("cluster", "nowhere"));

        var result = Assert.IsType<DeliveryResult.Failed>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));

        Assert.Contains("has no cluster named nowhere", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_v2_token_goes_as_bearer_which_netbox_4_2_does_not_read()
    {
        using var sink = (NetBoxSink)SinkTypes.Find("netbox")!.Create(SinkTestEvents.Settings("netbox", ("url", _netbox.Url), ("token", "nbt_abc123.secretpart")), RouteTexts.None);

        var result = Assert.IsType<DeliveryResult.Failed>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added));

        Assert.Contains("answered 403", result.Reason, StringComparison.Ordinal);
        Assert.Contains("Authentication credentials were not provided.", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("secretpart", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_makes_each_instance_its_vm_removes_the_vms_of_instances_gone_and_leaves_planned_ones_be()
    {
        using var sink = Sink();
        await DeliverAsync(sink, NetBoxTestEvents.Web1Added);
        var gone = _netbox.Seed("virtualization/virtual-machines", new JsonObject { ["name"] = "old-1.lab.example", ["status"] = "active", ["cluster"] = _cluster });
        var planned = _netbox.Seed("virtualization/virtual-machines", new JsonObject { ["name"] = "next-1.lab.example", ["status"] = "planned", ["cluster"] = _cluster });
        NetBoxInstance[] instances =
        [
            new("web-1.lab.example", Running: true, Vcpus: 4, MemoryMib: 256, DisksMib: [1024, 1024],
                Nics: [new NetBoxNic(0, "aa:00:00:7e:0c:37", "192.0.2.2/24"), new NetBoxNic(1, "aa:00:00:a9:77:9e", null)], Os: "noop+default", PrimaryNode: "node1.lab.example"),
            new("db-9.lab.example", Running: false, Vcpus: 1, MemoryMib: 128, DisksMib: [], Nics: [], Os: "noop+default", PrimaryNode: "node2.lab.example"),
        ];

        var plan = await sink.Planner.PlanAllAsync(instances, Cluster, TestContext.Current.CancellationToken);

        Assert.Equal(["update virtual machine web-1.lab.example (vcpus 4)", "create virtual machine db-9.lab.example (name db-9.lab.example, cluster, status offline, vcpus 1, memory 128, host device node2.lab.example, tags ganeti, platform noop+default)",
            "delete virtual machine old-1.lab.example (with its interfaces, addresses and disks)"], plan.Steps.Select(s => s.ToString()));
        await plan.ApplyAsync(TestContext.Current.CancellationToken);
        Assert.Equal(4, Vm()["vcpus"]!.GetValue<decimal>());
        Assert.Equal("node2", Vm("db-9.lab.example")["device"]!["name"]!.ToString());
        Assert.DoesNotContain(_netbox.Objects("virtualization/virtual-machines"), vm => vm["id"]!.GetValue<long>() == gone);
        Assert.Contains(_netbox.Objects("virtualization/virtual-machines"), vm => vm["id"]!.GetValue<long>() == planned);
        Assert.True((await sink.Planner.PlanAllAsync(instances, Cluster, TestContext.Current.CancellationToken)).IsEmpty);
    }

    [Fact]
    public async Task Reconcile_reads_every_page_of_a_cluster_larger_than_netboxs_largest_page()
    {
        // NetBox gives at most 1,000 objects a page (MAX_PAGE_SIZE): 1,050 VMs take two.
        for (var i = 0; i < 1050; i++)
        {
            _netbox.Seed("virtualization/virtual-machines", new JsonObject { ["name"] = $"old-{i}.lab.example", ["status"] = "active", ["cluster"] = _cluster });
        }
        using var sink = Sink(("on_remove", "offline"));

        var plan = await sink.Planner.PlanAllAsync([], Cluster, TestContext.Current.CancellationToken);

        Assert.Equal(1050, plan.Steps.Count);
        Assert.Contains(_netbox.Requests, r => r.PathAndQuery.Contains("offset=1000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_test_event_reads_netboxs_version_and_cluster_and_writes_nothing()
    {
        using var sink = Sink();
        var test = JsonNode.Parse(NetBoxTestEvents.Web1Added.CloudEventJson.Span)!.AsObject();
        test[HookRelay.Events.CloudEvent.TestAttribute] = "true";

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, NetBoxTestEvents.Web1Added with { CloudEventJson = System.Text.Encoding.UTF8.GetBytes(test.ToJsonString()) }));

        Assert.Equal(["/api/status/", $"/api/virtualization/clusters/?name={Cluster}&limit=1000&offset=0"], _netbox.Requests.Select(r => r.PathAndQuery));
        Assert.Empty(_netbox.Objects("virtualization/virtual-machines"));
    }

    [Fact]
    public async Task Pre_events_and_other_objects_write_nothing()
    {
        using var sink = Sink();

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, SinkTestEvents.Message("instance-add-pre-node1-01")));
        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, SinkTestEvents.Message("cluster-modify-post-node1-01")));

        Assert.Empty(_netbox.Requests);
    }
}
