using System.Text.Json;

namespace HookRelay.Tests.Support;

/// <summary>
/// The contract check the NetBox stand-in will apply to every request, against NetBox 4.2.2's own
/// OpenAPI document (Fixtures/netbox, trimmed to the paths the sync uses by trim-openapi.py): what
/// NetBox takes passes, what it refuses or would silently drop is named.
/// </summary>
public sealed class OpenApiContractTests
{
    private static readonly OpenApiContract NetBox = OpenApiContract.Load(Fixtures.Dir("netbox", "openapi-4.2.2.json"));

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void The_document_is_netbox_4_2_2s()
    {
        Assert.Equal("4.2.2 (4.2)", NetBox.Version);
    }

    [Fact]
    public void A_virtual_machine_as_netbox_takes_it_keeps_the_contract()
    {
        var problems = NetBox.Check("POST", "/api/virtualization/virtual-machines/", Json("""
            {"name": "web-1.example.org", "status": "active", "cluster": {"name": "cluster.example.org"}, "vcpus": 2, "memory": 2048, "disk": 10240,
             "platform": {"name": "debootstrap", "slug": "debootstrap"}, "tags": [{"name": "ganeti", "slug": "ganeti"}], "custom_fields": {"ganeti_uuid": "x"}}
            """));

        Assert.Empty(problems);
    }

    [Fact]
    public void A_missing_name_a_status_netbox_does_not_know_a_wrong_type_and_a_field_it_would_drop_are_each_named()
    {
        var problems = NetBox.Check("POST", "/api/virtualization/virtual-machines/", Json("""{"status": "running", "vcpus": "2", "ganeti_node": "node1"}"""));

        Assert.Contains("body.name: required, and missing", problems);
        Assert.Contains(problems, p => p.StartsWith("body.status: \"running\" is not one of \"offline\", \"active\", \"planned\"", StringComparison.Ordinal));
        Assert.Contains("body.vcpus: string \"2\", not number", problems);
        Assert.Contains("body.ganeti_node: not in the schema (the server would drop it)", problems);
    }

    [Fact]
    public void A_related_object_by_numeric_id_keeps_the_contract_and_a_field_netbox_4_2_moved_does_not()
    {
        // NetBox 4.2 made MAC addresses objects of their own: an interface's mac_address is gone.
        var problems = NetBox.Check("POST", "/api/virtualization/interfaces/", Json("""{"virtual_machine": 7, "name": "eth0", "mac_address": "aa:00:00:12:34:56"}"""));

        Assert.Equal(["body.mac_address: not in the schema (the server would drop it)"], problems);
    }

    [Fact]
    public void Filters_and_paths_are_checked_against_the_operation()
    {
        Assert.Empty(NetBox.Check("GET", "/api/virtualization/virtual-machines/?name=web-1.example.org&cluster_id=3&limit=50&offset=50", null));
        Assert.Equal(["GET /api/virtualization/virtual-machines/: query parameter 'instance' is not one the API takes"],
            NetBox.Check("GET", "/api/virtualization/virtual-machines/?instance=web-1", null));
        Assert.Equal(["GET /api/virtualization/virtual-machines/: query parameter 'cluster_id' 'main' is not integer"],
            NetBox.Check("GET", "/api/virtualization/virtual-machines/?cluster_id=main", null));
        Assert.Equal(["DELETE /api/virtualization/virtual-machines/{id}/: path parameter 'id' 'web-1' is not integer"],
            NetBox.Check("DELETE", "/api/virtualization/virtual-machines/web-1/", null));
        Assert.Equal(["GET /api/virtualization/vms/: no such path in NetBox 4.2.2 (4.2)'s API"], NetBox.Check("GET", "/api/virtualization/vms/", null));
    }

    [Fact]
    public void A_partial_update_needs_no_required_field_but_still_its_types()
    {
        Assert.Empty(NetBox.Check("PATCH", "/api/virtualization/virtual-machines/7/", Json("""{"memory": 4096, "status": "offline"}""")));
        Assert.Equal(["body.memory: number 1.5, not integer"], NetBox.Check("PATCH", "/api/virtualization/virtual-machines/7/", Json("""{"memory": 1.5}""")));
        // NetBox's request schemas leave out what it sets itself: an id sent is dropped.
        Assert.Equal(["body.id: not in the schema (the server would drop it)"], NetBox.Check("PATCH", "/api/virtualization/virtual-machines/7/", Json("""{"id": 7}""")));
    }
}
