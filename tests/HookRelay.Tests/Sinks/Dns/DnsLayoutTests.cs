using HookRelay.Sinks.Dns;

namespace HookRelay.Tests.Sinks.Dns;

public sealed class DnsLayoutTests
{
    private static readonly DnsInstance Web1 = new("web-1.lab.example",
    [
        new DnsNic(0, "192.0.2.2", "aa:00:00:7e:0c:37", "net1", "2001:db8::/64"),
        new DnsNic(1, null, "aa:00:00:a9:77:9e", null, null),
        new DnsNic(2, "2001:db8:1::9", "aa:00:00:64:6b:a9", null, null),
    ]);

    private static DnsLayout Layout(NameMapping names = NameMapping.Fqdn, string? domain = null, IReadOnlySet<int>? nics = null, IReadOnlySet<string>? networks = null, bool eui64 = false) =>
        new(["lab.example.", "example.org.", "2.0.192.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."], names, domain, 60, nics, networks, eui64, Reverse: true);

    [Fact]
    public void Every_nic_with_an_address_gives_a_or_aaaa_and_a_ptr_where_a_reverse_zone_holds_it()
    {
        var records = Layout().Desired(Web1, "c");

        var (sets, _) = records.ByName["web-1.lab.example."];
        Assert.Equal(["web-1.lab.example. 60 A 192.0.2.2", "web-1.lab.example. 60 AAAA 2001:db8:1::9"], sets.Select(s => s.ToString()));
        Assert.Contains("2.2.0.192.in-addr.arpa.", records.ByName.Keys);
        Assert.Equal(3, records.ByName.Count);
    }

    [Fact]
    public void Nics_and_networks_choose_which_addresses_count()
    {
        Assert.Equal(["192.0.2.2"], Layout(nics: new HashSet<int> { 0 }).Addresses(Web1).Select(DnsNames.Text));
        Assert.Equal(["192.0.2.2"], Layout(networks: new HashSet<string> { "net1" }).Addresses(Web1).Select(DnsNames.Text));
    }

    [Fact]
    public void Eui64_adds_the_slaac_address_of_a_nic_on_a_network_with_a_64()
    {
        Assert.Contains("2001:db8::a800:ff:fe7e:c37", Layout(eui64: true).Addresses(Web1).Select(DnsNames.Text));
    }

    [Fact]
    public void Short_names_go_under_the_domain() =>
        Assert.Equal("web-1.example.org.", Layout(NameMapping.FirstLabel, "example.org.").ForwardName("web-1.lab.example"));

    [Fact]
    public void An_instance_without_an_address_has_no_records() =>
        Assert.Empty(Layout().Desired(new DnsInstance("db-1.lab.example", [new DnsNic(0, null, "aa:00:00:00:00:01", null, null)]), "c").ByName);
}
