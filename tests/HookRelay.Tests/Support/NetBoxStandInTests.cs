using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HookRelay.Tests.Support;

/// <summary>
/// The NetBox stand-in answers as NetBox 4.2.2 does, through a plain HTTP client: token auth,
/// related objects by attributes, the uniqueness rules, pagination, cascades, its error bodies,
/// and every contract break kept for the test that talks to it.
/// </summary>
public sealed class NetBoxStandInTests : IAsyncLifetime
{
    private NetBoxStandIn _netbox = null!;
    private readonly HttpClient _http = new();

    public async ValueTask InitializeAsync()
    {
        _netbox = await NetBoxStandIn.StartAsync();
        _netbox.Seed("virtualization/clusters", new JsonObject { ["name"] = "cluster.lab.example" });
        _netbox.Seed("virtualization/clusters", new JsonObject { ["name"] = "other.lab.example" });
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _netbox.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? json = null,
        string? token = NetBoxStandIn.Token)
    {
        using var request = new HttpRequestMessage(method, _netbox.Url + path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", token);
        }
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> CreateVmAsync(string name, string cluster = "cluster.lab.example") =>
        SendAsync(HttpMethod.Post, "/api/virtualization/virtual-machines/", $$$"""{"name": "{{{name}}}", "status": "active", "cluster": {"name": "{{{cluster}}}"}}""");

    [Fact]
    public async Task Without_a_token_or_with_a_wrong_one_it_answers_403_as_netbox_does()
    {
        var (none, noneBody, _) = await SendAsync(HttpMethod.Get, "/api/virtualization/virtual-machines/", token: null);
        var (wrong, wrongBody, _) = await SendAsync(HttpMethod.Get, "/api/virtualization/virtual-machines/", token: "0000");

        Assert.Equal((HttpStatusCode.Forbidden, "Authentication credentials were not provided."), (none, noneBody!["detail"]!.ToString()));
        Assert.Equal((HttpStatusCode.Forbidden, "Invalid token"), (wrong, wrongBody!["detail"]!.ToString()));
    }

    [Fact]
    public async Task A_vm_name_is_taken_once_per_cluster_whatever_its_case()
    {
        var (created, vm, _) = await CreateVmAsync("web-1.lab.example");
        var (again, error, _) = await CreateVmAsync("WEB-1.lab.example");
        var (elsewhere, _, _) = await CreateVmAsync("web-1.lab.example", "other.lab.example");

        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(("cluster.lab.example", "active"), (vm!["cluster"]!["name"]!.ToString(), vm["status"]!["value"]!.ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Equal("Virtual machine name must be unique per cluster.", error!["__all__"]![0]!.ToString());
        Assert.Equal(HttpStatusCode.Created, elsewhere);
        Assert.Empty(_netbox.Violations);
    }

    [Fact]
    public async Task Lists_filter_and_page_with_count_next_and_previous()
    {
        foreach (var name in new[] { "a.lab.example", "b.lab.example", "c.lab.example" })
        {
            await CreateVmAsync(name);
        }

        var (_, first, _) = await SendAsync(HttpMethod.Get, "/api/virtualization/virtual-machines/?cluster_id=1&limit=2");
        var next = new Uri(first!["next"]!.ToString());
        var (_, second, _) = await SendAsync(HttpMethod.Get, next.PathAndQuery);
        var (_, named, _) = await SendAsync(HttpMethod.Get, "/api/virtualization/virtual-machines/?name=b.lab.example");

        Assert.Equal((3, 2), (first["count"]!.GetValue<int>(), first["results"]!.AsArray().Count));
        Assert.Equal("c.lab.example", Assert.Single(second!["results"]!.AsArray())!["name"]!.ToString());
        Assert.NotNull(second["previous"]);
        Assert.Null(second["next"]);
        Assert.Equal("b.lab.example", Assert.Single(named!["results"]!.AsArray())!["name"]!.ToString());
        Assert.Empty(_netbox.Violations);
    }

    [Fact]
    public async Task Deleting_a_vm_deletes_its_interfaces_and_their_addresses()
    {
        var (_, vm, _) = await CreateVmAsync("web-2.lab.example");
        var (_, nic, _) = await SendAsync(HttpMethod.Post, "/api/virtualization/interfaces/",
            $$"""{"virtual_machine": {{vm!["id"]}}, "name": "eth0"}""");
        await SendAsync(HttpMethod.Post, "/api/ipam/ip-addresses/",
            $$"""{"address": "192.0.2.10/24", "status": "active", "assigned_object_type": "virtualization.vminterface", "assigned_object_id": {{nic!["id"]}}}""");
        var (_, found, _) = await SendAsync(HttpMethod.Get, $"/api/ipam/ip-addresses/?address=192.0.2.10&vminterface_id={nic["id"]}");

        var (deleted, _, _) = await SendAsync(HttpMethod.Delete, $"/api/virtualization/virtual-machines/{vm["id"]}/");

        Assert.Equal(1, found!["count"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NoContent, deleted);
        Assert.Empty(_netbox.Objects("virtualization/interfaces"));
        Assert.Empty(_netbox.Objects("ipam/ip-addresses"));
        var (gone, detail, _) = await SendAsync(HttpMethod.Get, $"/api/virtualization/virtual-machines/{vm["id"]}/");
        Assert.Equal((HttpStatusCode.NotFound, "No VirtualMachine matches the given query."), (gone, detail!["detail"]!.ToString()));
        Assert.Empty(_netbox.Violations);
    }

    [Fact]
    public async Task A_request_that_breaks_the_contract_is_kept_even_when_netbox_would_take_it()
    {
        var (status, _, _) = await SendAsync(HttpMethod.Post, "/api/virtualization/virtual-machines/", """{"name": "web-3.lab.example", "cluster": 1, "ganeti_node": "node1"}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["body.ganeti_node: not in the schema (the server would drop it)"], _netbox.Violations);
    }

    [Fact]
    public async Task A_vm_needs_a_cluster_and_its_host_must_be_one_of_the_clusters_devices()
    {
        var node1 = _netbox.Seed("dcim/devices", new JsonObject { ["name"] = "node1.lab.example", ["cluster"] = 1 });
        _netbox.Seed("dcim/devices", new JsonObject { ["name"] = "node9.other.example", ["cluster"] = 2 });

        var (nowhere, why, _) = await SendAsync(HttpMethod.Post, "/api/virtualization/virtual-machines/", """{"name": "web-5.lab.example"}""");
        var (hosted, vm, _) = await SendAsync(HttpMethod.Post, "/api/virtualization/virtual-machines/", $$"""{"name": "web-5.lab.example", "cluster": 1, "device": {{node1}}}""");
        var (foreign, error, _) = await SendAsync(HttpMethod.Patch, $"/api/virtualization/virtual-machines/{vm!["id"]}/", """{"device": {"name": "node9.other.example"}}""");

        Assert.Equal((HttpStatusCode.BadRequest, "A virtual machine must be assigned to a site and/or cluster."), (nowhere, why!["cluster"]![0]!.ToString()));
        Assert.Equal(HttpStatusCode.Created, hosted);
        Assert.Equal((HttpStatusCode.BadRequest, "The selected device (node9.other.example) is not assigned to this cluster (cluster.lab.example)."),
            (foreign, error!["device"]![0]!.ToString()));
        Assert.Equal("node1.lab.example", _netbox.Objects("virtualization/virtual-machines").Single()["device"]!["name"]!.ToString());
    }

    [Fact]
    public async Task A_primary_address_must_be_on_the_vms_own_interface_and_the_disk_match_its_virtual_disks()
    {
        var (_, vm, _) = await CreateVmAsync("web-6.lab.example");
        var (_, other, _) = await CreateVmAsync("web-7.lab.example");
        var (_, nic, _) = await SendAsync(HttpMethod.Post, "/api/virtualization/interfaces/", $$"""{"virtual_machine": {{other!["id"]}}, "name": "eth0"}""");
        var (_, ip, _) = await SendAsync(HttpMethod.Post, "/api/ipam/ip-addresses/",
            $$"""{"address": "192.0.2.20/24", "status": "active", "assigned_object_type": "virtualization.vminterface", "assigned_object_id": {{nic!["id"]}}}""");
        await SendAsync(HttpMethod.Post, "/api/virtualization/virtual-disks/", $$"""{"virtual_machine": {{vm!["id"]}}, "name": "disk0", "size": 10240}""");

        var (foreign, why, _) = await SendAsync(HttpMethod.Patch, $"/api/virtualization/virtual-machines/{vm["id"]}/", $$"""{"primary_ip4": {{ip!["id"]}}}""");
        var (mismatch, disk, _) = await SendAsync(HttpMethod.Patch, $"/api/virtualization/virtual-machines/{vm["id"]}/", """{"disk": 20480}""");
        var (own, owned, _) = await SendAsync(HttpMethod.Patch, $"/api/virtualization/virtual-machines/{other["id"]}/", $$"""{"primary_ip4": {{ip["id"]}}}""");

        Assert.Equal((HttpStatusCode.BadRequest, "The specified IP address (192.0.2.20/24) is not assigned to this VM."), (foreign, why!["primary_ip4"]![0]!.ToString()));
        Assert.Equal((HttpStatusCode.BadRequest, "The specified disk size (20480) must match the aggregate size of assigned virtual disks (10240)."),
            (mismatch, disk!["disk"]![0]!.ToString()));
        Assert.Equal((HttpStatusCode.OK, "192.0.2.20/24"), (own, owned!["primary_ip4"]!["address"]!.ToString()));
        Assert.Empty(_netbox.Violations);
    }

    [Fact]
    public async Task A_throttled_answer_says_when_to_come_back_and_a_missing_related_object_is_named()
    {
        _netbox.FailNext.Enqueue(429);
        var (throttled, _, response) = await CreateVmAsync("web-4.lab.example");
        var (missing, error, _) = await CreateVmAsync("web-4.lab.example", "nowhere.lab.example");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Equal("""Related object not found using the provided attributes: {"name": "nowhere.lab.example"}""", error!["cluster"]![0]!.ToString());
    }
}
