using System.Net;
using System.Net.Sockets;

namespace HookRelay.Sinks.Dns;

public enum NameMapping
{
    /// <summary>The instance's name is its DNS name (Ganeti's instance names are FQDNs).</summary>
    Fqdn,
    /// <summary>The instance name's first label under a configured domain ("names: short").</summary>
    FirstLabel,
}

/// <summary>
/// Which records an instance should have, from the DNS sink's settings: the zones HookRelay may
/// write (forward and reverse; a name goes to the longest that holds it), how an instance name
/// becomes a DNS name, which NICs count, whether IPv6 networks give each NIC its SLAAC address,
/// whether PTR records are kept, and the TTL.
/// </summary>
public sealed record DnsLayout(IReadOnlyList<string> Zones, NameMapping Names, string? Domain, int Ttl, IReadOnlySet<int>? Nics, IReadOnlySet<string>? Networks, bool Eui64, bool Reverse)
{
    public string ForwardName(string instance) => Names switch
    {
        NameMapping.FirstLabel => $"{DnsNames.FirstLabel(DnsNames.Absolute(instance))}.{Domain}",
        _ => DnsNames.Absolute(instance),
    };

    /// <summary>The addresses of <paramref name="instance"/>'s NICs that this layout publishes, in NIC order.</summary>
    public IReadOnlyList<IPAddress> Addresses(DnsInstance instance)
    {
        var addresses = new List<IPAddress>();
        foreach (var nic in instance.Nics.OrderBy(n => n.Index))
        {
            if ((Nics is not null && !Nics.Contains(nic.Index)) || (Networks is not null && (nic.Network is null || !Networks.Contains(nic.Network))))
            {
                continue;
            }
            if (!string.IsNullOrEmpty(nic.Ip) && IPAddress.TryParse(nic.Ip, out var ip))
            {
                addresses.Add(ip);
            }
            if (Eui64 && nic.Subnet6 is { } subnet6 && nic.Mac is { } mac && DnsNames.Eui64(subnet6, mac) is { } slaac)
            {
                addresses.Add(slaac);
            }
        }
        return [.. addresses.Distinct()];
    }

    /// <summary>Every record <paramref name="instance"/> should have, its owner records included.</summary>
    public InstanceRecords Desired(DnsInstance instance, string owner)
    {
        var name = ForwardName(instance.Name);
        var tag = new OwnerRecord(owner, instance.Name);
        var records = new InstanceRecords(instance.Name);
        if (DnsNames.ZoneOf(name, Zones) is null)
        {
            records.Problems.Add($"{name} is in none of the zones ({string.Join(", ", Zones)})");
            return records;
        }
        var addresses = Addresses(instance);
        var v4 = addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Select(DnsNames.Text).ToList();
        var v6 = addresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6).Select(DnsNames.Text).ToList();
        var forward = new List<RecordSet>();
        if (v4.Count > 0)
        {
            forward.Add(new RecordSet(name, DnsTypes.A, Ttl, v4));
        }
        if (v6.Count > 0)
        {
            forward.Add(new RecordSet(name, DnsTypes.Aaaa, Ttl, v6));
        }
        // An instance without a published address has no name: a name that resolves to nothing helps nobody.
        if (forward.Count == 0)
        {
            return records;
        }
        records.Add(name, forward, tag.AsSet(name, Ttl));
        if (!Reverse)
        {
            return records;
        }
        foreach (var address in addresses)
        {
            var reverse = DnsNames.Reverse(address);
            if (DnsNames.ZoneOf(reverse, Zones) is not null)
            {
                records.Add(reverse, [new RecordSet(reverse, DnsTypes.PtrType, Ttl, [name])], tag.AsSet(reverse, Ttl));
            }
        }
        return records;
    }
}

/// <summary>The records one instance should have, by name (each name with its owner record), and why some could not be given.</summary>
public sealed class InstanceRecords(string instance)
{
    public string Instance { get; } = instance;

    public Dictionary<string, (IReadOnlyList<RecordSet> Sets, RecordSet Owner)> ByName { get; } = new(StringComparer.Ordinal);

    public List<string> Problems { get; } = [];

    public void Add(string name, IReadOnlyList<RecordSet> sets, RecordSet owner) => ByName[name] = (sets, owner);
}
