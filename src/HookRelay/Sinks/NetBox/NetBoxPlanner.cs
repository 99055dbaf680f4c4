using System.Globalization;
using System.Text.Json;

namespace HookRelay.Sinks.NetBox;

/// <summary>
/// Reads what NetBox holds for an instance and plans the writes that make it what the instance
/// is: the virtual machine (name, cluster, status, vCPUs, memory, host device, platform, tags),
/// an interface per NIC with its MAC, its addresses assigned and the first of each family made
/// primary, and a virtual disk per disk (NetBox sums them into the VM's disk). Only what differs
/// is written. An address NetBox has on another object is left there and reported.
/// </summary>
public sealed class NetBoxPlanner(NetBoxApi api, NetBoxLookups lookups, NetBoxOptions options)
{
    private const string Machines = "virtualization/virtual-machines";
    private const string Interfaces = "virtualization/interfaces";
    private const string Disks = "virtualization/virtual-disks";
    private const string Addresses = "ipam/ip-addresses";
    private const string Macs = "dcim/mac-addresses";

    private string ClusterName(string ganetiCluster) => options.Cluster ?? ganetiCluster;

    /// <summary>The NetBox cluster's id for this Ganeti cluster; NetBox must hold it.</summary>
    public Task<long> ClusterAsync(string ganetiCluster, CancellationToken cancellationToken) => lookups.ClusterAsync(ClusterName(ganetiCluster), cancellationToken);

    public async Task<NetBoxPlan> PlanEventAsync(NetBoxEvent change, string ganetiCluster, CancellationToken cancellationToken)
    {
        var cluster = await ClusterAsync(ganetiCluster, cancellationToken).ConfigureAwait(false);
        switch (change)
        {
            case NetBoxEvent.Remove remove:
                return PlanRemoval(remove.Name, await FindAsync(remove.Name, cluster, cancellationToken).ConfigureAwait(false));
            case NetBoxEvent.Rename rename:
                var renamed = await FindAsync(rename.Instance.Name, cluster, cancellationToken).ConfigureAwait(false)
                    ?? await FindAsync(rename.OldName, cluster, cancellationToken).ConfigureAwait(false);
                return await PlanAsync(rename.Instance, renamed, cluster, cancellationToken).ConfigureAwait(false);
            case NetBoxEvent.Upsert upsert:
                var current = await FindAsync(upsert.Instance.Name, cluster, cancellationToken).ConfigureAwait(false)
                    ?? (upsert.Added ? await ExpectedAsync(upsert.Instance, cluster, cancellationToken).ConfigureAwait(false) : null);
                return await PlanAsync(upsert.Instance, current, cluster, cancellationToken).ConfigureAwait(false);
            default:
                return new NetBoxPlan();
        }
    }

    /// <summary>Every instance as RAPI gives it against every VM of the NetBox cluster: the VMs of instances gone are removed, planned and staged ones left be.</summary>
    public async Task<NetBoxPlan> PlanAllAsync(IReadOnlyList<NetBoxInstance> instances, string ganetiCluster, CancellationToken cancellationToken)
    {
        var cluster = await ClusterAsync(ganetiCluster, cancellationToken).ConfigureAwait(false);
        var machines = await api.ListAsync(Machines, cancellationToken, ("cluster_id", Id(cluster))).ConfigureAwait(false);
        var byName = machines.GroupBy(m => NetBoxJson.Text(m, "name"), StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var plan = new NetBoxPlan();
        foreach (var instance in instances)
        {
            plan.Add(await PlanAsync(instance, byName.TryGetValue(instance.Name, out var vm) ? vm : null, cluster, cancellationToken).ConfigureAwait(false));
        }
        var present = instances.Select(i => i.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, vm) in byName.Where(kv => !present.Contains(kv.Key) && !NetBoxOptions.Expected.Contains(NetBoxJson.Choice(kv.Value, "status") ?? "")))
        {
            plan.Add(PlanRemoval(name, vm));
        }
        return plan;
    }

    private async Task<JsonElement?> FindAsync(string name, long cluster, CancellationToken cancellationToken)
    {
        var found = await api.ListAsync(Machines, cancellationToken, ("name", name), ("cluster_id", Id(cluster))).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>What the gate asks: the VM NetBox expects this instance to become, if it holds one (see below).</summary>
    public async Task<JsonElement?> ExpectedAsync(NetBoxInstance instance, string ganetiCluster, CancellationToken cancellationToken) =>
        await ExpectedAsync(instance, await ClusterAsync(ganetiCluster, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A VM NetBox expects Ganeti to make (planned or staged), by the instance's name or by its
    /// first address, in this cluster or in none yet: the add takes it over, so what the
    /// operator planned (its role, tenant, comments) stays with the machine.
    /// </summary>
    private async Task<JsonElement?> ExpectedAsync(NetBoxInstance instance, long cluster, CancellationToken cancellationToken)
    {
        bool Takeable(JsonElement vm) => NetBoxOptions.Expected.Contains(NetBoxJson.Choice(vm, "status") ?? "")
            && (NetBoxJson.RelatedId(vm, "cluster") is null || NetBoxJson.RelatedId(vm, "cluster") == cluster);
        foreach (var vm in await api.ListAsync(Machines, cancellationToken, ("name", instance.Name)).ConfigureAwait(false))
        {
            if (Takeable(vm))
            {
                return vm;
            }
        }
        return await ByAddressAsync(instance, cancellationToken).ConfigureAwait(false) is { } byAddress && Takeable(byAddress) ? byAddress : null;
    }

    /// <summary>The VM whose interface holds the instance's first address in NetBox, if any.</summary>
    private async Task<JsonElement?> ByAddressAsync(NetBoxInstance instance, CancellationToken cancellationToken)
    {
        if (instance.Nics.FirstOrDefault(n => n.Address is not null)?.Address is not { } address)
        {
            return null;
        }
        var ips = await api.ListAsync(Addresses, cancellationToken, ("address", NetBoxJson.Host(address))).ConfigureAwait(false);
        if (ips.FirstOrDefault(ip => ip.StringOf("assigned_object_type") == NetBoxOptions.InterfaceType) is not { ValueKind: JsonValueKind.Object } assigned
            || !assigned.TryGetProperty("assigned_object_id", out var nicId) || nicId.ValueKind != JsonValueKind.Number)
        {
            return null;
        }
        var nics = await api.ListAsync(Interfaces, cancellationToken, ("id", Id(nicId.GetInt64()))).ConfigureAwait(false);
        if (nics.Count == 0 || NetBoxJson.RelatedId(nics[0], "virtual_machine") is not { } vmId)
        {
            return null;
        }
        var machines = await api.ListAsync(Machines, cancellationToken, ("id", Id(vmId))).ConfigureAwait(false);
        return machines.Count > 0 ? machines[0] : null;
    }

    private NetBoxPlan PlanRemoval(string name, JsonElement? vm)
    {
        var plan = new NetBoxPlan();
        if (vm is not { } found)
        {
            return plan;
        }
        var id = NetBoxLookups.IdOf(found);
        if (options.RemovedStatus is null)
        {
            plan.Steps.Add(new NetBoxStep(name, NetBoxChangeKind.Delete, $"virtual machine {name}", "with its interfaces, addresses and disks",
                (_, token) => api.DeleteAsync(Machines, id, token)));
        }
        else if (NetBoxJson.Choice(found, "status") != options.RemovedStatus)
        {
            var status = options.RemovedStatus;
            plan.Steps.Add(new NetBoxStep(name, NetBoxChangeKind.Update, $"virtual machine {name}", $"status {status}",
                (_, token) => api.PatchAsync(Machines, id, NetBoxJson.Body(w => w.WriteString("status", status)), token)));
        }
        return plan;
    }

    /// <summary>The writes that make <paramref name="current"/> (null: no VM yet) the instance.</summary>
    private async Task<NetBoxPlan> PlanAsync(NetBoxInstance instance, JsonElement? current, long cluster, CancellationToken cancellationToken)
    {
        var plan = new NetBoxPlan();
        var vmId = current is { } vm ? NetBoxLookups.IdOf(vm) : (long?)null;
        var nics = vmId is { } v ? await api.ListAsync(Interfaces, cancellationToken, ("virtual_machine_id", Id(v))).ConfigureAwait(false) : [];
        var ips = vmId is { } w ? await api.ListAsync(Addresses, cancellationToken, ("virtual_machine_id", Id(w))).ConfigureAwait(false) : [];
        var disks = vmId is { } d ? await api.ListAsync(Disks, cancellationToken, ("virtual_machine_id", Id(d))).ConfigureAwait(false) : [];
        long VmId(NetBoxWrites writes) => vmId ?? writes.VirtualMachineId ?? throw new InvalidOperationException($"{instance.Name}: no virtual machine to write to");

        var wanted = instance.Nics.Where(n => n.Address is not null).Select(n => NetBoxJson.Host(n.Address!)).ToHashSet(StringComparer.Ordinal);
        await PlanMachineAsync(instance, current, cluster, wanted, ips, plan, cancellationToken).ConfigureAwait(false);
        var nicIds = PlanInterfaces(instance, nics, VmId, plan);
        var addressIds = await PlanAddressesAsync(instance, ips, nics, nicIds, wanted, plan, cancellationToken).ConfigureAwait(false);
        PlanPrimaries(instance, current, addressIds, VmId, plan);
        PlanDisks(instance, disks, VmId, plan);
        // Last: NetBox deletes an interface's addresses with it, and they were let go of above.
        PlanGoneInterfaces(instance, nics, plan);
        return plan;
    }

    private async Task PlanMachineAsync(NetBoxInstance instance, JsonElement? current, long cluster, HashSet<string> wanted, IReadOnlyList<JsonElement> ips,
        NetBoxPlan plan, CancellationToken cancellationToken)
    {
        var device = options.Devices && instance.PrimaryNode is { Length: > 0 } node ? await lookups.DeviceAsync(cluster, node, cancellationToken).ConfigureAwait(false) : null;
        var status = instance.Running ? "active" : "offline";
        var changes = new List<string>();
        var writes = new List<Action<Utf8JsonWriter>>();
        var platformWanted = options.Platforms && instance.Os is { Length: > 0 } && (current is not { } c0 || PlatformName(c0) != instance.Os);
        void Change(string said, Action<Utf8JsonWriter> write)
        {
            changes.Add(said);
            writes.Add(write);
        }
        var vm = current ?? default;
        var exists = current is not null;
        if (!exists || NetBoxJson.Text(vm, "name") != instance.Name)
        {
            Change(exists ? $"name {NetBoxJson.Text(vm, "name")} → {instance.Name}" : $"name {instance.Name}", w => w.WriteString("name", instance.Name));
        }
        if (!exists || NetBoxJson.RelatedId(vm, "cluster") != cluster)
        {
            Change("cluster", w => w.WriteNumber("cluster", cluster));
        }
        if (!exists || NetBoxJson.Choice(vm, "status") != status)
        {
            Change($"status {status}", w => w.WriteString("status", status));
        }
        if (instance.Vcpus is { } vcpus && (!exists || NetBoxJson.Number(vm, "vcpus") != vcpus))
        {
            Change($"vcpus {vcpus}", w => w.WriteNumber("vcpus", vcpus));
        }
        if (instance.MemoryMib is { } memory && (!exists || NetBoxJson.Number(vm, "memory") != memory))
        {
            Change($"memory {memory}", w => w.WriteNumber("memory", memory));
        }
        if (options.Devices && (!exists || NetBoxJson.RelatedId(vm, "device") != device) && (exists || device is not null))
        {
            Change(device is null ? "no host device" : $"host device {instance.PrimaryNode}", w =>
            {
                if (device is { } id)
                {
                    w.WriteNumber("device", id);
                }
                else
                {
                    w.WriteNull("device");
                }
            });
        }
        // A primary address the instance no longer has is let go first: NetBox will not move an address that is a VM's primary.
        foreach (var family in new[] { 4, 6 })
        {
            var field = $"primary_ip{family}";
            if (exists && PrimaryHost(vm, field, ips) is { } primary && !wanted.Contains(primary))
            {
                Change($"no {field}", w => w.WriteNull(field));
            }
        }
        var missingTags = options.Tags.Where(t => !exists || !TagSlugs(vm).Contains(t)).ToList();
        var keptTags = exists ? TagsOf(vm) : [];
        if (missingTags.Count > 0)
        {
            changes.Add($"tags {string.Join(" ", missingTags)}");
        }
        if (platformWanted)
        {
            changes.Add($"platform {instance.Os}");
        }
        if (changes.Count == 0)
        {
            return;
        }
        var existingId = exists ? NetBoxLookups.IdOf(vm) : (long?)null;
        plan.Steps.Add(new NetBoxStep(instance.Name, exists ? NetBoxChangeKind.Update : NetBoxChangeKind.Create, $"virtual machine {instance.Name}", string.Join(", ", changes),
            async (made, token) =>
            {
                var tags = missingTags.Count > 0 ? await lookups.TagsAsync(options.Tags, token).ConfigureAwait(false) : null;
                var platform = platformWanted ? await lookups.PlatformAsync(instance.Os!, token).ConfigureAwait(false) : (long?)null;
                var body = NetBoxJson.Body(w =>
                {
                    writes.ForEach(write => write(w));
                    if (platform is { } p)
                    {
                        w.WriteNumber("platform", p);
                    }
                    if (tags is not null)
                    {
                        w.WriteStartArray("tags");
                        foreach (var tag in keptTags.Union(tags))
                        {
                            w.WriteStartObject();
                            w.WriteString("name", tag.Name);
                            w.WriteString("slug", tag.Slug);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                });
                made.VirtualMachineId = existingId is { } id
                    ? NetBoxLookups.IdOf(await api.PatchAsync(Machines, id, body, token).ConfigureAwait(false))
                    : NetBoxLookups.IdOf(await api.CreateAsync(Machines, body, token).ConfigureAwait(false));
            }));
    }

    /// <summary>An interface per NIC (ethINDEX) with its MAC as primary MAC address.</summary>
    private Dictionary<string, Func<NetBoxWrites, long>> PlanInterfaces(NetBoxInstance instance, IReadOnlyList<JsonElement> nics, Func<NetBoxWrites, long> vmId, NetBoxPlan plan)
    {
        var ids = new Dictionary<string, Func<NetBoxWrites, long>>(StringComparer.Ordinal);
        foreach (var nic in instance.Nics)
        {
            var name = nic.InterfaceName;
            var existing = nics.FirstOrDefault(n => NetBoxJson.Text(n, "name") == name);
            long? known = existing.ValueKind == JsonValueKind.Object ? NetBoxLookups.IdOf(existing) : null;
            ids[name] = made => known ?? made.Interfaces[name];
            if (known is null)
            {
                plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Create, $"interface {name}", "",
                    async (made, token) => made.Interfaces[name] = NetBoxLookups.IdOf(await api.CreateAsync(Interfaces, NetBoxJson.Body(w =>
                    {
                        w.WriteNumber("virtual_machine", vmId(made));
                        w.WriteString("name", name);
                    }), token).ConfigureAwait(false))));
            }
            if (nic.Mac is { Length: > 0 } mac)
            {
                PlanMac(instance.Name, name, mac, known is null ? null : existing, ids[name], plan);
            }
        }
        return ids;
    }

    private void PlanGoneInterfaces(NetBoxInstance instance, IReadOnlyList<JsonElement> nics, NetBoxPlan plan)
    {
        foreach (var gone in nics.Where(n => instance.Nics.All(nic => nic.InterfaceName != NetBoxJson.Text(n, "name"))))
        {
            var id = NetBoxLookups.IdOf(gone);
            plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Delete, $"interface {NetBoxJson.Text(gone, "name")}", "its NIC is gone",
                (_, token) => api.DeleteAsync(Interfaces, id, token)));
        }
    }

    private void PlanMac(string instance, string name, string mac, JsonElement? nic, Func<NetBoxWrites, long> nicId, NetBoxPlan plan)
    {
        var primary = nic is { } n && n.TryGetProperty("primary_mac_address", out var p) && p.ValueKind == JsonValueKind.Object ? p : (JsonElement?)null;
        if (primary is { } existing)
        {
            if (!string.Equals(existing.StringOf("mac_address"), mac, StringComparison.OrdinalIgnoreCase))
            {
                var id = NetBoxLookups.IdOf(existing);
                plan.Steps.Add(new NetBoxStep(instance, NetBoxChangeKind.Update, $"MAC address of {name}", $"{existing.StringOf("mac_address")} → {mac}",
                    (_, token) => api.PatchAsync(Macs, id, NetBoxJson.Body(w => w.WriteString("mac_address", mac)), token)));
            }
            return;
        }
        plan.Steps.Add(new NetBoxStep(instance, NetBoxChangeKind.Create, $"MAC address {mac}", $"primary of {name}", async (made, token) =>
        {
            var nicOf = nicId(made);
            var created = await api.CreateAsync(Macs, NetBoxJson.Body(w =>
            {
                w.WriteString("mac_address", mac);
                w.WriteString("assigned_object_type", NetBoxOptions.InterfaceType);
                w.WriteNumber("assigned_object_id", nicOf);
            }), token).ConfigureAwait(false);
            await api.PatchAsync(Interfaces, nicOf, NetBoxJson.Body(w => w.WriteNumber("primary_mac_address", NetBoxLookups.IdOf(created))), token).ConfigureAwait(false);
        }));
    }

    /// <summary>Each NIC's address on its interface (made, or taken from where NetBox holds it unassigned); addresses the instance no longer has are unassigned, not deleted (IPAM may have made them).</summary>
    private async Task<Dictionary<string, Func<NetBoxWrites, long>>> PlanAddressesAsync(NetBoxInstance instance, IReadOnlyList<JsonElement> ips, IReadOnlyList<JsonElement> nics,
        Dictionary<string, Func<NetBoxWrites, long>> nicIds, HashSet<string> wanted, NetBoxPlan plan, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, Func<NetBoxWrites, long>>(StringComparer.Ordinal);
        foreach (var stale in ips.Where(ip => !wanted.Contains(NetBoxJson.Host(NetBoxJson.Text(ip, "address")))))
        {
            var id = NetBoxLookups.IdOf(stale);
            plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Update, $"IP address {NetBoxJson.Text(stale, "address")}", "unassigned: no NIC has it now",
                (_, token) => api.PatchAsync(Addresses, id, NetBoxJson.Body(w =>
                {
                    w.WriteNull("assigned_object_type");
                    w.WriteNull("assigned_object_id");
                }), token)));
        }
        foreach (var nic in instance.Nics.Where(n => n.Address is not null))
        {
            var address = nic.Address!;
            var host = NetBoxJson.Host(address);
            var nicId = nicIds[nic.InterfaceName];
            var knownNic = nics.FirstOrDefault(n => NetBoxJson.Text(n, "name") == nic.InterfaceName);
            var ours = ips.FirstOrDefault(ip => NetBoxJson.Host(NetBoxJson.Text(ip, "address")) == host);
            JsonElement? found = ours.ValueKind == JsonValueKind.Object ? ours : null;
            if (found is null)
            {
                var elsewhere = await api.ListAsync(Addresses, cancellationToken, ("address", host)).ConfigureAwait(false);
                if (elsewhere.FirstOrDefault(ip => ip.TryGetProperty("assigned_object_id", out var a) && a.ValueKind == JsonValueKind.Number) is { ValueKind: JsonValueKind.Object } taken)
                {
                    plan.Problems.Add($"{instance.Name}: {address} is assigned to {AssignedDisplay(taken)} in NetBox");
                    continue;
                }
                found = elsewhere.Count > 0 ? elsewhere[0] : null;
            }
            if (found is { } ip)
            {
                var id = NetBoxLookups.IdOf(ip);
                ids[host] = _ => id;
                var onNic = knownNic.ValueKind == JsonValueKind.Object && ip.TryGetProperty("assigned_object_id", out var a) && a.ValueKind == JsonValueKind.Number
                    && a.GetInt64() == NetBoxLookups.IdOf(knownNic);
                if (!onNic || NetBoxJson.Text(ip, "address") != address || NetBoxJson.Choice(ip, "status") != "active")
                {
                    plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Update, $"IP address {address}", $"on {nic.InterfaceName}",
                        (made, token) => api.PatchAsync(Addresses, id, AddressBody(address, nicId(made)), token)));
                }
                continue;
            }
            ids[host] = made => made.Addresses[host];
            plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Create, $"IP address {address}", $"on {nic.InterfaceName}",
                async (made, token) => made.Addresses[host] = NetBoxLookups.IdOf(await api.CreateAsync(Addresses, AddressBody(address, nicId(made)), token).ConfigureAwait(false))));
        }
        return ids;
    }

    private static byte[] AddressBody(string address, long nic) => NetBoxJson.Body(w =>
    {
        w.WriteString("address", address);
        w.WriteString("status", "active");
        w.WriteString("assigned_object_type", NetBoxOptions.InterfaceType);
        w.WriteNumber("assigned_object_id", nic);
    });

    /// <summary>The first NIC's address of each family becomes the VM's primary_ip4 / primary_ip6.</summary>
    private void PlanPrimaries(NetBoxInstance instance, JsonElement? current, Dictionary<string, Func<NetBoxWrites, long>> addressIds, Func<NetBoxWrites, long> vmId, NetBoxPlan plan)
    {
        foreach (var family in new[] { 4, 6 })
        {
            var field = $"primary_ip{family}";
            var first = instance.Nics.Select(n => n.Address).OfType<string>().Select(NetBoxJson.Host)
                .FirstOrDefault(h => addressIds.ContainsKey(h) && h.Contains(':', StringComparison.Ordinal) == (family == 6));
            if (first is null || (current is { } vm && vm.TryGetProperty(field, out var primary) && primary.ValueKind == JsonValueKind.Object
                && NetBoxJson.Host(primary.StringOf("address") ?? "") == first))
            {
                continue;
            }
            var id = addressIds[first];
            plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Update, $"virtual machine {instance.Name}", $"{field} {first}",
                (made, token) => api.PatchAsync(Machines, vmId(made), NetBoxJson.Body(w => w.WriteNumber(field, id(made))), token)));
        }
    }

    /// <summary>A virtual disk per Ganeti disk (diskINDEX, its size); NetBox keeps the VM's disk the sum of them.</summary>
    private void PlanDisks(NetBoxInstance instance, IReadOnlyList<JsonElement> disks, Func<NetBoxWrites, long> vmId, NetBoxPlan plan)
    {
        for (var i = 0; i < instance.DisksMib.Count; i++)
        {
            var name = $"disk{i.ToString(CultureInfo.InvariantCulture)}";
            var size = instance.DisksMib[i];
            var existing = disks.FirstOrDefault(d => NetBoxJson.Text(d, "name") == name);
            if (existing.ValueKind != JsonValueKind.Object)
            {
                plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Create, $"virtual disk {name}", $"{size} MB",
                    (made, token) => api.CreateAsync(Disks, NetBoxJson.Body(w =>
                    {
                        w.WriteNumber("virtual_machine", vmId(made));
                        w.WriteString("name", name);
                        w.WriteNumber("size", size);
                    }), token)));
            }
            else if (NetBoxJson.Number(existing, "size") != size)
            {
                var id = NetBoxLookups.IdOf(existing);
                plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Update, $"virtual disk {name}", $"{NetBoxJson.Number(existing, "size")} → {size} MB",
                    (_, token) => api.PatchAsync(Disks, id, NetBoxJson.Body(w => w.WriteNumber("size", size)), token)));
            }
        }
        foreach (var gone in disks.Where(d => !IsDiskOf(instance, NetBoxJson.Text(d, "name"))))
        {
            var id = NetBoxLookups.IdOf(gone);
            plan.Steps.Add(new NetBoxStep(instance.Name, NetBoxChangeKind.Delete, $"virtual disk {NetBoxJson.Text(gone, "name")}", "its disk is gone",
                (_, token) => api.DeleteAsync(Disks, id, token)));
        }
    }

    private static bool IsDiskOf(NetBoxInstance instance, string name) =>
        name.StartsWith("disk", StringComparison.Ordinal) && int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < instance.DisksMib.Count;

    private static string? PrimaryHost(JsonElement vm, string field, IReadOnlyList<JsonElement> ips)
    {
        if (!vm.TryGetProperty(field, out var primary) || primary.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (primary.StringOf("address") is { } address)
        {
            return NetBoxJson.Host(address);
        }
        var id = NetBoxLookups.IdOf(primary);
        return ips.Where(ip => NetBoxLookups.IdOf(ip) == id).Select(ip => NetBoxJson.Host(NetBoxJson.Text(ip, "address"))).FirstOrDefault() ?? "";
    }

    private static string? PlatformName(JsonElement vm) =>
        vm.TryGetProperty("platform", out var platform) && platform.ValueKind == JsonValueKind.Object ? platform.StringOf("name") : null;

    private static HashSet<string> TagSlugs(JsonElement vm) => vm.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
        ? tags.EnumerateArray().Select(t => t.StringOf("slug") ?? "").ToHashSet(StringComparer.Ordinal)
        : [];

    private static List<NetBoxTag> TagsOf(JsonElement vm) => vm.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
        ? [.. tags.EnumerateArray().Select(NetBoxTag.Of)]
        : [];

    private static string AssignedDisplay(JsonElement ip) =>
        ip.TryGetProperty("assigned_object", out var assigned) && assigned.ValueKind == JsonValueKind.Object && assigned.StringOf("display") is { } display
            ? $"{display} ({ip.StringOf("assigned_object_type")} {assigned.GetProperty("id").GetInt64()})"
            : $"{ip.StringOf("assigned_object_type")} {(ip.TryGetProperty("assigned_object_id", out var id) ? id.GetRawText() : "?")}";

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
