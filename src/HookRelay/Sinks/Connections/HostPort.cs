using System.Globalization;
using System.Net;

namespace HookRelay.Sinks.Connections;

/// <summary>"host", "host:port", "192.0.2.1:53", "[2001:db8::1]:53" or a bare IPv6 address, as settings write a server.</summary>
public static class HostPort
{
    public static (string Host, int Port) Split(string text, int defaultPort)
    {
        if (IPEndPoint.TryParse(text, out var parsed) && parsed.Port != 0)
        {
            return (parsed.Address.ToString(), parsed.Port);
        }
        // One colon is a port; several without brackets are an IPv6 address without one.
        return text.LastIndexOf(':') is var colon and > 0 && !text.Contains("::", StringComparison.Ordinal)
            && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? (text[..colon], port)
            : (text.Trim('[', ']'), defaultPort);
    }
}
