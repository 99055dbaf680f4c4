using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HookRelay.Tests.Support;

/// <summary>
/// Stands in for NetBox (which no registry reachable here installs), held to the contract of one
/// release: every request is checked against NetBox 4.2.2's own OpenAPI document
/// (<see cref="OpenApiContract"/>; what breaks it is kept in <see cref="Violations"/> for the test
/// to assert empty), and answered as NetBox 4.2.2 answers: token auth (`Authorization: Token
/// KEY`, 403 without), lists paginated by limit and offset with count, next and previous,
/// related objects given by id or by their attributes, its rules (a virtual machine on a site or a
/// cluster, its host device one of the cluster's; its name once per cluster, case-insensitively;
/// an interface's name once per virtual machine),
/// deleting a virtual machine deleting its interfaces and their IP addresses, and its error
/// bodies: {"field": ["message"]} for 400, {"detail": "..."} for 403 and 404. Rules and
/// messages are from NetBox's source at v4.2.2 (models' constraints, DRF's messages).
/// </summary>
public sealed class NetBoxStandIn : IAsyncDisposable
{
    public const string Token = "0123456789abcdef0123456789abcdef01234567";

    /// <summary>The collections it keeps, by API path under /api/, and the model name NetBox's 404 names.</summary>
    private static readonly Dictionary<string, string> Models = new(StringComparer.Ordinal)
    {
        ["virtualization/clusters"] = "Cluster",
        ["virtualization/virtual-machines"] = "VirtualMachine",
        ["virtualization/interfaces"] = "VMInterface",
        ["virtualization/virtual-disks"] = "VirtualDisk",
        ["ipam/ip-addresses"] = "IPAddress",
        ["dcim/mac-addresses"] = "MACAddress",
        ["dcim/devices"] = "Device",
        ["dcim/sites"] = "Site",
        ["dcim/platforms"] = "Platform",
        ["extras/tags"] = "Tag",
    };

    /// <summary>Which collection a related field's object is in.</summary>
    private static readonly Dictionary<string, string> Related = new(StringComparer.Ordinal)
    {
        ["cluster"] = "virtualization/clusters",
        ["device"] = "dcim/devices",
        ["site"] = "dcim/sites",
        ["platform"] = "dcim/platforms",
        ["virtual_machine"] = "virtualization/virtual-machines",
        ["tags"] = "extras/tags",
        ["primary_ip4"] = "ipam/ip-addresses",
        ["primary_ip6"] = "ipam/ip-addresses",
        ["primary_mac_address"] = "dcim/mac-addresses",
    };

    private readonly OpenApiContract _contract;
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentQueue<(string Method, string PathAndQuery)> _requests = new();
    private readonly Dictionary<string, SortedDictionary<long, JsonObject>> _store = Models.Keys.ToDictionary(k => k, _ => new SortedDictionary<long, JsonObject>(), StringComparer.Ordinal);
    private readonly object _lock = new();
    private readonly Dictionary<string, long> _lastId = new(StringComparer.Ordinal);
    private WebApplication? _app;

    private NetBoxStandIn(OpenApiContract contract) => _contract = contract;

    public static async Task<NetBoxStandIn> StartAsync()
    {
        var standIn = new NetBoxStandIn(OpenApiContract.Load(Fixtures.Dir("netbox", "openapi-4.2.2.json")));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        standIn._app = app;
        standIn.Url = app.Urls.First().TrimEnd('/');
        return standIn;
    }

    public string Url { get; private set; } = "";

    /// <summary>Every way a request broke NetBox 4.2.2's contract; a test that talks to it asserts this empty.</summary>
    public IReadOnlyList<string> Violations => [.. _violations];

    public IReadOnlyList<(string Method, string PathAndQuery)> Requests => [.. _requests];

    /// <summary>Answers the next requests with these statuses first (429 with Retry-After: 1, 5xx), as a loaded NetBox would.</summary>
    public ConcurrentQueue<int> FailNext { get; } = new();

    private readonly ConcurrentDictionary<int, int> _failAt = new();

    /// <summary>Lets <paramref name="through"/> more requests pass, then answers the one after with <paramref name="status"/>: a NetBox failing halfway through a sync.</summary>
    public void FailAfter(int through, int status) => _failAt[_requests.Count + through + 1] = status;

    /// <summary>An object put there as an operator would have (a cluster, a device, a planned VM), made as a POST would make it; its id.</summary>
    public long Seed(string collection, JsonObject fields)
    {
        using var document = JsonDocument.Parse(fields.ToJsonString());
        lock (_lock)
        {
            var (item, errors) = Build(collection, new JsonObject(), document.RootElement);
            return errors.Count == 0 ? Store(collection, item).Id : throw new InvalidOperationException($"seeding {collection}: {errors.ToJsonString()}");
        }
    }

    /// <summary>The objects of one collection now, as GET would give them.</summary>
    public IReadOnlyList<JsonObject> Objects(string collection)
    {
        lock (_lock)
        {
            return [.. _store[collection].Values.Select(o => (JsonObject)o.DeepClone())];
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var pathAndQuery = request.Path + request.QueryString;
        _requests.Enqueue((request.Method, pathAndQuery));
        JsonElement? body = null;
        if (request.ContentLength > 0 || request.Headers.ContentType.Count > 0)
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(request.Body);
                body = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                await AnswerAsync(context, 400, new JsonObject { ["detail"] = $"JSON parse error - {e.Message}" });
                return;
            }
        }
        if (_failAt.TryRemove(_requests.Count, out var failure) || FailNext.TryDequeue(out failure))
        {
            if (failure == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }
            await AnswerAsync(context, failure, new JsonObject { ["detail"] = failure == 429 ? "Request was throttled. Expected available in 1 second." : "Service unavailable" });
            return;
        }
        // NetBox 4.2.2 reads only "Token KEY"; any other scheme (the Bearer of later releases' v2 tokens) is no credentials at all.
        if (request.Headers.Authorization.ToString() is not { Length: > 0 } authorization || !authorization.StartsWith("Token ", StringComparison.OrdinalIgnoreCase))
        {
            await AnswerAsync(context, 403, new JsonObject { ["detail"] = "Authentication credentials were not provided." });
            return;
        }
        if (authorization != $"Token {Token}")
        {
            await AnswerAsync(context, 403, new JsonObject { ["detail"] = "Invalid token" });
            return;
        }
        foreach (var problem in _contract.Check(request.Method, pathAndQuery, body))
        {
            _violations.Enqueue(problem);
        }
        var (status, answer) = Answer(request.Method, request.Path.Value!, request.Query, body);
        await AnswerAsync(context, status, answer);
    }

    private static async Task AnswerAsync(HttpContext context, int status, JsonNode? answer)
    {
        context.Response.StatusCode = status;
        if (answer is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.ToJsonString());
        }
    }

    private (int Status, JsonNode? Body) Answer(string method, string path, IQueryCollection query, JsonElement? body)
    {
        if (path == "/api/status/")
        {
            return (200, new JsonObject { ["netbox-version"] = "4.2.2", ["django-version"] = "5.1.5", ["python-version"] = "3.12.3" });
        }
        var parts = path.Trim('/').Split('/');
        if (parts.Length is < 3 or > 4 || parts[0] != "api" || !Models.TryGetValue($"{parts[1]}/{parts[2]}", out var model))
        {
            return (404, new JsonObject { ["detail"] = "Not found." });
        }
        var collection = $"{parts[1]}/{parts[2]}";
        lock (_lock)
        {
            if (parts.Length == 3)
            {
                return method switch
                {
                    "GET" => (200, List(collection, path, query)),
                    "POST" when body is { ValueKind: JsonValueKind.Object } fields => Create(collection, fields),
                    _ => (405, new JsonObject { ["detail"] = $"Method \"{method}\" not allowed." }),
                };
            }
            if (!long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !_store[collection].TryGetValue(id, out var existing))
            {
                return (404, new JsonObject { ["detail"] = $"No {model} matches the given query." });
            }
            return method switch
            {
                "GET" => (200, existing.DeepClone()),
                "PATCH" when body is { ValueKind: JsonValueKind.Object } fields => Update(collection, existing, fields),
                "DELETE" => Delete(collection, id),
                _ => (405, new JsonObject { ["detail"] = $"Method \"{method}\" not allowed." }),
            };
        }
    }

    /// <summary>GET on a collection: the filters it understands (exact values; ids of related objects), then limit and offset.</summary>
    private JsonObject List(string collection, string path, IQueryCollection query)
    {
        var limit = int.TryParse(query["limit"], out var l) ? Math.Clamp(l, 1, 1000) : 50;
        var offset = int.TryParse(query["offset"], out var o) ? Math.Max(0, o) : 0;
        var matching = _store[collection].Values.Where(item => query.All(filter => filter.Key is "limit" or "offset" or "brief" or "ordering"
            || filter.Value.Any(value => Matches(collection, item, filter.Key, value ?? "")))).ToList();
        string? Page(int at) => at < 0 || at >= matching.Count && at > 0 ? null
            : $"{Url}{path}?{string.Join("&", query.Where(q => q.Key is not ("limit" or "offset")).SelectMany(q => q.Value.Select(v => $"{q.Key}={Uri.EscapeDataString(v ?? "")}")).Append($"limit={limit}").Append($"offset={at}"))}";
        return new JsonObject
        {
            ["count"] = matching.Count,
            ["next"] = offset + limit < matching.Count ? Page(offset + limit) : null,
            ["previous"] = offset > 0 ? Page(Math.Max(0, offset - limit)) : null,
            ["results"] = new JsonArray([.. matching.Skip(offset).Take(limit).Select(item => item.DeepClone())]),
        };
    }

    private bool Matches(string collection, JsonObject item, string filter, string value)
    {
        if (filter == "virtual_machine_id" && collection is "ipam/ip-addresses" or "dcim/mac-addresses")
        {
            // An address is a VM's through the interface it is assigned to.
            return item["assigned_object_type"]?.ToString() == "virtualization.vminterface" && item["assigned_object_id"] is JsonValue nic
                && _store["virtualization/interfaces"].TryGetValue(nic.GetValue<long>(), out var vmInterface)
                && (vmInterface["virtual_machine"] as JsonObject)?["id"]?.GetValue<long>().ToString(CultureInfo.InvariantCulture) == value;
        }
        if (filter.EndsWith("_id", StringComparison.Ordinal))
        {
            var field = filter[..^3] switch { "vminterface" => "assigned_object", var f => f };
            return item[field] is JsonObject related && related["id"]?.GetValue<long>().ToString(CultureInfo.InvariantCulture) == value;
        }
        if (filter == "address")
        {
            // NetBox matches the host, whatever the mask: address=192.0.2.5 finds 192.0.2.5/24.
            return item["address"]?.GetValue<string>().Split('/')[0] == value.Split('/')[0];
        }
        return item[filter] switch
        {
            JsonObject choice when choice["value"] is { } chosen => chosen.ToString() == value,
            JsonObject related => related["name"]?.ToString() == value || related["slug"]?.ToString() == value,
            JsonValue scalar => scalar.ToString() == value,
            _ => false,
        };
    }

    private (int, JsonNode?) Create(string collection, JsonElement fields)
    {
        var (item, errors) = Build(collection, new JsonObject(), fields);
        if (errors.Count > 0)
        {
            return (400, errors);
        }
        var (_, stored) = Store(collection, item);
        DisksChanged(collection, stored);
        return (201, stored.DeepClone());
    }

    private (int, JsonNode?) Update(string collection, JsonObject existing, JsonElement fields)
    {
        var (item, errors) = Build(collection, (JsonObject)existing.DeepClone(), fields);
        if (errors.Count == 0 && collection == "ipam/ip-addresses" && PrimaryOf(existing) is { } parent && ParentOf(item) != parent)
        {
            errors["__all__"] = new JsonArray((JsonNode)"Cannot reassign IP address while it is designated as the primary IP for the parent object");
        }
        if (errors.Count > 0)
        {
            return (400, errors);
        }
        var id = existing["id"]!.GetValue<long>();
        item["last_updated"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        _store[collection][id] = item;
        DisksChanged(collection, item);
        return (200, _store[collection][id].DeepClone());
    }

    /// <summary>DELETE: a virtual machine takes its interfaces and disks with it, an interface its IP addresses (NetBox's cascades).</summary>
    private (int, JsonNode?) Delete(string collection, long id)
    {
        _store[collection].Remove(id, out var deleted);
        DisksChanged(collection, deleted);
        var dependants = collection switch
        {
            "virtualization/virtual-machines" => new[] { ("virtualization/interfaces", "virtual_machine"), ("virtualization/virtual-disks", "virtual_machine") },
            "virtualization/interfaces" => [("ipam/ip-addresses", "assigned_object"), ("dcim/mac-addresses", "assigned_object")],
            _ => [],
        };
        foreach (var (dependent, field) in dependants)
        {
            foreach (var child in _store[dependent].Values.Where(o => o[field] is JsonObject parent && parent["id"]!.GetValue<long>() == id).ToList())
            {
                Delete(dependent, child["id"]!.GetValue<long>());
            }
        }
        return (204, null);
    }

    /// <summary>The object a request makes of <paramref name="item"/>: fields set, related objects resolved, NetBox's rules checked.</summary>
    private (JsonObject Item, JsonObject Errors) Build(string collection, JsonObject item, JsonElement fields)
    {
        var errors = new JsonObject();
        foreach (var field in fields.EnumerateObject())
        {
            if (field.Name == "status")
            {
                var value = field.Value.ToString();
                item["status"] = new JsonObject { ["value"] = value, ["label"] = value.Length == 0 ? value : char.ToUpperInvariant(value[0]) + value[1..] };
            }
            else if (field.Name == "assigned_object_id" || field.Name == "assigned_object_type")
            {
                item[field.Name] = JsonNode.Parse(field.Value.GetRawText());
            }
            else if (Related.TryGetValue(field.Name, out var relatedCollection))
            {
                if (field.Value.ValueKind == JsonValueKind.Array)
                {
                    var list = new JsonArray();
                    foreach (var entry in field.Value.EnumerateArray())
                    {
                        if (Find(relatedCollection, entry) is { } found)
                        {
                            list.Add((JsonNode)Brief(found));
                        }
                        else
                        {
                            errors[field.Name] = new JsonArray((JsonNode)$"Related object not found using the provided attributes: {entry.GetRawText()}");
                        }
                    }
                    item[field.Name] = list;
                }
                else if (field.Value.ValueKind == JsonValueKind.Null)
                {
                    item[field.Name] = null;
                }
                else if (Find(relatedCollection, field.Value) is { } found)
                {
                    item[field.Name] = Brief(found);
                }
                else
                {
                    errors[field.Name] = new JsonArray((JsonNode)(field.Value.ValueKind == JsonValueKind.Number
                        ? $"Invalid pk \"{field.Value}\" - object does not exist."
                        : $"Related object not found using the provided attributes: {field.Value.GetRawText()}"));
                }
            }
            else
            {
                item[field.Name] = JsonNode.Parse(field.Value.GetRawText());
            }
        }
        if (item["assigned_object_id"] is JsonValue assignedId && item["assigned_object_type"]?.ToString() == "virtualization.vminterface")
        {
            var id = assignedId.GetValue<long>();
            item["assigned_object"] = _store["virtualization/interfaces"].TryGetValue(id, out var assigned) ? Brief(assigned) : null;
        }
        else if (fields.TryGetProperty("assigned_object_id", out var unassigned) && unassigned.ValueKind == JsonValueKind.Null)
        {
            item["assigned_object"] = null;
        }
        if (collection == "dcim/mac-addresses" && item["mac_address"] is JsonValue mac)
        {
            item["mac_address"] = mac.ToString().ToUpperInvariant(); // NetBox's MAC field writes it upper-case
        }
        if (!fields.TryGetProperty("name", out _) && item["name"] is null && collection is not ("ipam/ip-addresses" or "dcim/mac-addresses"))
        {
            errors["name"] = new JsonArray((JsonNode)"This field is required.");
        }
        if (errors.Count == 0 && collection == "virtualization/virtual-machines")
        {
            Placement(item, errors);
        }
        if (errors.Count == 0)
        {
            Unique(collection, item, errors);
        }
        return (item, errors);
    }

    /// <summary>
    /// VirtualMachine.clean() of NetBox 4.2.2: a site or a cluster; a host device only with a
    /// cluster, and one of its devices; once it exists, a disk size equal to its virtual disks'
    /// (taken from them when unset); primary addresses of their family, on its own interfaces.
    /// </summary>
    private void Placement(JsonObject item, JsonObject errors)
    {
        Disk(item, errors);
        PrimaryAddresses(item, errors);
        var cluster = item["cluster"] as JsonObject;
        if (cluster is null && item["site"] is null)
        {
            errors["cluster"] = new JsonArray((JsonNode)"A virtual machine must be assigned to a site and/or cluster.");
        }
        else if (item["device"] is JsonObject device)
        {
            var host = _store["dcim/devices"][device["id"]!.GetValue<long>()];
            if (cluster is null)
            {
                errors["device"] = new JsonArray((JsonNode)"Must specify a cluster when assigning a host device.");
            }
            else if ((host["cluster"] as JsonObject)?["id"]?.GetValue<long>() != cluster["id"]!.GetValue<long>())
            {
                errors["device"] = new JsonArray((JsonNode)$"The selected device ({device["display"]}) is not assigned to this cluster ({cluster["display"]}).");
            }
        }
    }

    private void Disk(JsonObject item, JsonObject errors)
    {
        if (item["id"] is not JsonValue vmId)
        {
            return; // only once the VM exists ("if not self._state.adding")
        }
        var id = vmId.GetValue<long>();
        var total = _store["virtualization/virtual-disks"].Values.Where(d => (d["virtual_machine"] as JsonObject)?["id"]?.GetValue<long>() == id)
            .Sum(d => d["size"]?.GetValue<long>() ?? 0);
        if (total == 0)
        {
            return;
        }
        if (item["disk"] is null)
        {
            item["disk"] = total;
        }
        else if (item["disk"]!.GetValue<long>() != total)
        {
            errors["disk"] = new JsonArray((JsonNode)$"The specified disk size ({item["disk"]}) must match the aggregate size of assigned virtual disks ({total}).");
        }
    }

    private void PrimaryAddresses(JsonObject item, JsonObject errors)
    {
        var id = item["id"]?.GetValue<long>();
        foreach (var family in new[] { 4, 6 })
        {
            var field = $"primary_ip{family}";
            if (item[field] is not JsonObject brief)
            {
                continue;
            }
            var ip = _store["ipam/ip-addresses"][brief["id"]!.GetValue<long>()];
            var address = ip["address"]!.ToString();
            var version = address.Contains(':', StringComparison.Ordinal) ? 6 : 4;
            var onInterface = ip["assigned_object"] is JsonObject assigned
                && _store["virtualization/interfaces"].TryGetValue(assigned["id"]!.GetValue<long>(), out var nic)
                && (nic["virtual_machine"] as JsonObject)?["id"]?.GetValue<long>() == id;
            if (version != family)
            {
                errors[field] = new JsonArray((JsonNode)$"Must be an IPv{family} address. ({address} is an IPv{version} address.)");
            }
            else if (!onInterface)
            {
                errors[field] = new JsonArray((JsonNode)$"The specified IP address ({address}) is not assigned to this VM.");
            }
        }
    }

    /// <summary>virtualization/signals.py of NetBox 4.2.2: a virtual disk saved or deleted sets its VM's disk to the sum of its disks.</summary>
    private void DisksChanged(string collection, JsonObject? disk)
    {
        if (collection != "virtualization/virtual-disks" || (disk?["virtual_machine"] as JsonObject)?["id"]?.GetValue<long>() is not { } vmId
            || !_store["virtualization/virtual-machines"].TryGetValue(vmId, out var vm))
        {
            return;
        }
        var sizes = _store[collection].Values.Where(d => (d["virtual_machine"] as JsonObject)?["id"]?.GetValue<long>() == vmId).Select(d => d["size"]!.GetValue<long>()).ToList();
        vm["disk"] = sizes.Count == 0 ? null : sizes.Sum();
    }

    /// <summary>The VM whose primary address this IP address is, through the interface it is assigned to.</summary>
    private long? PrimaryOf(JsonObject ip)
    {
        var id = ip["id"]!.GetValue<long>();
        return ParentOf(ip) is { } vmId && _store["virtualization/virtual-machines"].TryGetValue(vmId, out var vm)
            && new[] { "primary_ip4", "primary_ip6" }.Any(f => (vm[f] as JsonObject)?["id"]?.GetValue<long>() == id) ? vmId : null;
    }

    private long? ParentOf(JsonObject ip) =>
        ip["assigned_object_id"] is JsonValue nic && ip["assigned_object_type"]?.ToString() == "virtualization.vminterface"
        && _store["virtualization/interfaces"].TryGetValue(nic.GetValue<long>(), out var vmInterface)
            ? (vmInterface["virtual_machine"] as JsonObject)?["id"]?.GetValue<long>()
            : null;

    /// <summary>NetBox 4.2.2's constraints: a VM's name once per cluster (case-insensitive, no tenant), an interface's once per VM.</summary>
    private void Unique(string collection, JsonObject item, JsonObject errors)
    {
        var id = item["id"]?.GetValue<long>();
        bool Same(JsonObject other, string field) => (other[field] as JsonObject)?["id"]?.GetValue<long>() == (item[field] as JsonObject)?["id"]?.GetValue<long>();
        var others = _store[collection].Values.Where(o => o["id"]!.GetValue<long>() != id).ToList();
        if (collection == "virtualization/virtual-machines" && others.Any(o => Same(o, "cluster")
            && string.Equals(o["name"]?.ToString(), item["name"]?.ToString(), StringComparison.OrdinalIgnoreCase)))
        {
            errors["__all__"] = new JsonArray((JsonNode)"Virtual machine name must be unique per cluster.");
        }
        if (collection == "ipam/ip-addresses" && others.FirstOrDefault(o => o["address"]?.ToString().Split('/')[0] == item["address"]?.ToString().Split('/')[0]) is { } duplicate)
        {
            // ENFORCE_GLOBAL_UNIQUE, True by default; no VRFs here.
            errors["address"] = new JsonArray((JsonNode)$"Duplicate IP address found in global table: {duplicate["address"]}");
        }
        if (collection == "virtualization/interfaces" && others.Any(o => Same(o, "virtual_machine") && o["name"]?.ToString() == item["name"]?.ToString()))
        {
            errors["__all__"] = new JsonArray((JsonNode)"Interface with this Virtual machine and Name already exists.");
        }
    }

    /// <summary>A related object by primary key (a number) or by attributes ({"name": …}, {"slug": …}).</summary>
    private JsonObject? Find(string collection, JsonElement reference) => reference.ValueKind switch
    {
        JsonValueKind.Number => _store[collection].GetValueOrDefault(reference.GetInt64()),
        JsonValueKind.Object => _store[collection].Values.FirstOrDefault(o => reference.EnumerateObject().All(a => o[a.Name]?.ToString() == a.Value.ToString())),
        _ => null,
    };

    private static JsonObject Brief(JsonObject item)
    {
        var brief = new JsonObject { ["id"] = item["id"]!.GetValue<long>(), ["url"] = item["url"]!.ToString(), ["display"] = item["display"]!.ToString() };
        foreach (var name in new[] { "name", "slug", "address", "mac_address" })
        {
            if (item[name] is { } value)
            {
                brief[name] = value.DeepClone();
            }
        }
        return brief;
    }

    private (long Id, JsonObject Item) Store(string collection, JsonObject fields)
    {
        // Each table numbers its own rows, as NetBox's do.
        var id = _lastId[collection] = _lastId.GetValueOrDefault(collection) + 1;
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        fields["id"] = id;
        fields["url"] = $"{Url}/api/{collection}/{id}/";
        fields["display"] = fields["name"]?.ToString() ?? fields["address"]?.ToString() ?? fields["mac_address"]?.ToString() ?? id.ToString(CultureInfo.InvariantCulture);
        fields["created"] = now;
        fields["last_updated"] = now;
        _store[collection][id] = fields;
        return (id, fields);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
