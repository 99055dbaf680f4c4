using HookRelay.Sinks.Declaration;

namespace HookRelay.Sinks.Dns;

/// <summary>The settings both DNS sink types read: which records an instance gets, and where reconcile reads the cluster.</summary>
public static class DnsKeys
{
    public static IReadOnlyList<SinkKey> All { get; } =
    [
        SinkKey.TextList("zones", "Every zone HookRelay may write, forward and reverse (example.org, 10.in-addr.arpa, 8.b.d.0.1.0.0.2.ip6.arpa); a name goes to the longest one that holds it. A name in none of them is not written.")
            with { Required = true, Pattern = "^[A-Za-z0-9_.-]+$" },
        SinkKey.Choice("names", "How an instance name becomes its DNS name: fqdn (default: the instance name as it is) or short (its first label under `domain`).", "fqdn", "short"),
        SinkKey.Text("domain", "With names: short, the domain under which the short name goes (example.org)."),
        SinkKey.WholeNumber("ttl", "TTL of every record HookRelay writes (default 300)."),
        new SinkKey("nics", KeyShape.WholeNumberList, "Only these NIC indices get records (default: every NIC with an address).") { Minimum = 0 },
        SinkKey.TextList("networks", "Only NICs on these Ganeti networks get records (default: any)."),
        SinkKey.Flag("eui64", "Also publish, for a NIC on a Ganeti network with a /64 subnet6, its SLAAC address (modified EUI-64 from the MAC) as AAAA (default false)."),
        SinkKey.Flag("ptr", "Keep PTR records in the configured reverse zones (default true)."),
        SinkKey.Text("owner_id", "Who owns the records in their _hookrelay TXT records (default: the cluster's name). Two clusters writing one zone need different ones."),
        Reconcile.RapiKeys.Group,
    ];

    /// <summary>The layout the settings describe; each setting read just before it is checked, so a mistake is reported at its own line.</summary>
    public static DnsLayout Layout(SinkSettings settings)
    {
        var zones = settings.List("zones").Select(DnsNames.Absolute).Distinct(StringComparer.Ordinal).ToList();
        if (zones.Count == 0)
        {
            throw new InvalidOperationException($"{settings.Subject}: zones must name at least one zone");
        }
        var domain = settings.Text("domain") is { } d ? DnsNames.Absolute(d) : null;
        if (domain is not null && DnsNames.ZoneOf(domain, zones) is null)
        {
            throw new InvalidOperationException($"{settings.Subject}: domain {domain} is in none of the zones");
        }
        var names = settings.Text("names") == "short" ? NameMapping.FirstLabel : NameMapping.Fqdn;
        if (names == NameMapping.FirstLabel && domain is null)
        {
            throw new InvalidOperationException($"{settings.Subject}: names: short needs a domain");
        }
        var nics = settings.List("nics") is { Count: > 0 } ? settings.WholeNumbers("nics").ToHashSet() : null;
        var networks = settings.List("networks") is { Count: > 0 } listed ? listed.ToHashSet(StringComparer.Ordinal) : null;
        return new DnsLayout(zones, names, domain, settings.WholeNumber("ttl", 300), nics, networks, settings.Flag("eui64", false), settings.Flag("ptr", true));
    }
}
