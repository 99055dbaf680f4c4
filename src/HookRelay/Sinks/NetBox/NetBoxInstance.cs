using System.Globalization;
using System.Net;
using System.Text.Json;

namespace HookRelay.Sinks.NetBox;

/// <summary>One NIC as NetBox holds it: an interface (ethINDEX), its MAC and its address with the prefix length of the Ganeti network's subnet (a host route without one).</summary>
public sealed record NetBoxNic(int Index, string? Mac, string? Address)
{
    public string InterfaceName => $"eth{Index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>"192.0.2.5/24" from the NIC's IP and its network's subnet (subnet6 for IPv6); /32 or /128 when the NIC is on no Ganeti network.</summary>
    public static string? AddressOf(string? ip, string? subnet, string? subnet6)
    {
        if (string.IsNullOrEmpty(ip) || !IPAddress.TryParse(ip, out var address))
        {
            return null;
        }
        var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var length = (v6 ? subnet6 : subnet) is { } net && net.Split('/') is [_, var bits] ? bits : v6 ? "128" : "32";
        return $"{address}/{length}";
    }
}

/// <summary>
/// An instance as NetBox should hold it: what a hook event's post state or Ganeti's RAPI says.
/// Memory and disks are MiB as Ganeti counts them, written to NetBox's MB fields as they are (the
/// convention of every Ganeti/NetBox sync: NetBox's forms say MB and mean the number the
/// hypervisor was given).
/// </summary>
/// <param name="Running">Whether Ganeti means it to run (admin state up): NetBox's active, else offline.</param>
public sealed record NetBoxInstance(string Name, bool Running, int? Vcpus, long? MemoryMib, IReadOnlyList<long> DisksMib, IReadOnlyList<NetBoxNic> Nics, string? Os, string? PrimaryNode)
{
    /// <summary>The instance of a hook event: its state after the operation where the event has one (post.instance), else before it.</summary>
    public static NetBoxInstance? From(JsonElement instance)
    {
        if (instance.ValueKind != JsonValueKind.Object || instance.StringOf("name") is not { Length: > 0 } name)
        {
            return null;
        }
        var disks = Array(instance, "disks").Select(d => d.TryGetProperty("size_mib", out var size) && size.TryGetInt64(out var mib) ? mib : 0).ToList();
        var nics = Array(instance, "nics").Select((nic, i) =>
        {
            var network = nic.TryGetProperty("network", out var n) && n.ValueKind == JsonValueKind.Object ? n : (JsonElement?)null;
            var index = nic.TryGetProperty("index", out var at) && at.TryGetInt32(out var value) ? value : i;
            return new NetBoxNic(index, nic.StringOf("mac"), NetBoxNic.AddressOf(nic.StringOf("ip"), network?.StringOf("subnet"), network?.StringOf("subnet6")));
        }).ToList();
        return new NetBoxInstance(name, IsUp(instance.StringOf("status")), Integer(instance, "vcpus") is { } vcpus ? (int)vcpus : null,
            Integer(instance, "memory_mib") ?? Integer(instance, "maxmem_mib"), disks, nics, instance.StringOf("os"), instance.StringOf("primary"));
    }

    /// <summary>
    /// Ganeti's status word: "up"/"down" (admin state) for most operations; for instance-add
    /// "True"/"False", whether it was started.
    /// </summary>
    public static bool IsUp(string? status) => status is "up" or "True" or "true" or "running";

    private static List<JsonElement> Array(JsonElement element, string property) =>
        element.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array ? [.. list.EnumerateArray()] : [];

    private static long? Integer(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;
}
