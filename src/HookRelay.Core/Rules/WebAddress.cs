using System.Globalization;
using System.Net;

namespace HookRelay.Rules;

/// <summary>
/// Where the daemon's HTTP listener binds (web.listen): a host and a port, and whether only this
/// node can reach it. "localhost" counts as loopback; "*" or 0.0.0.0 or :: is every address.
/// </summary>
public sealed record WebAddress(string Host, int Port, bool Loopback)
{
    public static WebAddress? Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return null;
        }
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        if (host == "*")
        {
            return new WebAddress("*", port, Loopback: false);
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new WebAddress("localhost", port, Loopback: true);
        }
        return IPAddress.TryParse(host, out var ip) && !host.Contains(':', StringComparison.Ordinal) == (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ? new WebAddress(ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) ? "*" : ip.ToString(), port, IPAddress.IsLoopback(ip))
            : null;
    }

    /// <summary>As an HttpListener prefix: http://127.0.0.1:9786/, http://[::1]:9786/, http://*:9786/.</summary>
    public string Prefix => Host.Contains(':', StringComparison.Ordinal)
        ? $"http://[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}/"
        : $"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/";
}
