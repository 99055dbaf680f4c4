using System.Net;
using HookRelay.Sinks.Dns;

namespace HookRelay.Tests.Sinks.Dns;

public sealed class DnsNamesTests
{
    [Theory]
    [InlineData("10.0.0.5", "5.0.0.10.in-addr.arpa.")]
    [InlineData("192.0.2.2", "2.2.0.192.in-addr.arpa.")]
    [InlineData("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")]
    public void Reverse_names_are_the_in_addr_and_ip6_arpa_forms(string address, string expected) =>
        Assert.Equal(expected, DnsNames.Reverse(IPAddress.Parse(address)));

    [Fact]
    public void The_longest_zone_that_holds_a_name_is_its_zone()
    {
        string[] zones = ["example.org.", "lab.example.org.", "10.in-addr.arpa.", "0.0.10.in-addr.arpa."];
        Assert.Equal("lab.example.org.", DnsNames.ZoneOf("web-1.lab.example.org.", zones));
        Assert.Equal("example.org.", DnsNames.ZoneOf("web-1.example.org.", zones));
        Assert.Equal("0.0.10.in-addr.arpa.", DnsNames.ZoneOf("5.0.0.10.in-addr.arpa.", zones));
        Assert.Equal("10.in-addr.arpa.", DnsNames.ZoneOf("5.1.0.10.in-addr.arpa.", zones));
        // A label that merely ends like the zone is not under it.
        Assert.Null(DnsNames.ZoneOf("web-1.badexample.org.", ["example.org."]));
    }

    [Fact]
    public void Eui64_follows_rfc4291_from_the_mac_in_a_64()
    {
        // The universal/local bit of the first octet flips; ff:fe goes in the middle.
        Assert.Equal(IPAddress.Parse("2001:db8::a800:ff:fe7e:c37"), DnsNames.Eui64("2001:db8::/64", "aa:00:00:7e:0c:37"));
        Assert.Null(DnsNames.Eui64("2001:db8::/48", "aa:00:00:7e:0c:37"));
        Assert.Null(DnsNames.Eui64("2001:db8::/64", "not-a-mac"));
    }

    [Fact]
    public void Names_compare_absolute_and_lower_case() => Assert.Equal("web-1.example.org.", DnsNames.Absolute(" Web-1.Example.ORG "));
}
