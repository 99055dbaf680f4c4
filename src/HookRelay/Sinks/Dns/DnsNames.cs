using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HookRelay.Sinks.Dns;

/// <summary>
/// Domain names as HookRelay compares them: absolute (a trailing dot), lower case; the zone a
/// name belongs to; the reverse name of an address; the SLAAC address of a MAC in a /64.
/// </summary>
public static class DnsNames
{
    /// <summary>"Web-1.Example.org" → "web-1.example.org.".</summary>
    public static string Absolute(string name)
    {
        var trimmed = name.Trim().ToLowerInvariant();
        return trimmed.EndsWith('.') ? trimmed : trimmed + ".";
    }

    public static bool IsAtOrUnder(string name, string zone) =>
        name == zone || zone == "." || name.EndsWith("." + zone, StringComparison.Ordinal);

    /// <summary>The longest of <paramref name="zones"/> that holds <paramref name="name"/>, or null.</summary>
    public static string? ZoneOf(string name, IEnumerable<string> zones) =>
        zones.Where(zone => IsAtOrUnder(name, zone)).MaxBy(zone => zone.Length);

    /// <summary>"web-1.example.org." → "web-1".</summary>
    public static string FirstLabel(string name) => name.TrimEnd('.').Split('.')[0];

    /// <summary>5.0.0.10.in-addr.arpa. for 10.0.0.5; the 32 nibbles under ip6.arpa. for an IPv6 address.</summary>
    public static string Reverse(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var name = new StringBuilder(address.AddressFamily == AddressFamily.InterNetwork ? 29 : 73);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            for (var i = bytes.Length - 1; i >= 0; i--)
            {
                name.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }
            return name.Append("in-addr.arpa.").ToString();
        }
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            name.Append("0123456789abcdef"[bytes[i] & 0xf]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        }
        return name.Append("ip6.arpa.").ToString();
    }

    /// <summary>
    /// The address a NIC takes by stateless autoconfiguration (RFC 4291 modified EUI-64) in a /64,
    /// or null when the subnet is not a /64 or the MAC cannot be read.
    /// </summary>
    public static IPAddress? Eui64(string subnet6, string mac)
    {
        if (!IPNetwork.TryParse(subnet6, out var network) || network.PrefixLength != 64 || network.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }
        var octets = mac.Split(':', '-');
        if (octets.Length != 6 || !octets.All(o => o.Length == 2 && byte.TryParse(o, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
        {
            return null;
        }
        var m = octets.Select(o => byte.Parse(o, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        var bytes = network.BaseAddress.GetAddressBytes();
        byte[] suffix = [(byte)(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]];
        suffix.CopyTo(bytes, 8);
        return new IPAddress(bytes);
    }

    /// <summary>An address in the form DNS servers print (IPv6 compressed, lower case).</summary>
    public static string Text(IPAddress address) => address.ToString().ToLowerInvariant();
}
