namespace HookRelay.Events;

/// <summary>
/// Ganeti names nodes by FQDN; a node may know itself only by its short host name.
/// Two names are the same node when they are equal ignoring case, or when one is a
/// short name equal to the other's first label.
/// </summary>
public static class NodeNames
{
    public static bool Same(string? a, string? b)
    {
        if (string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b))
        {
            return false;
        }
        if (string.Equals(a, b, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var aShort = !a.Contains('.', StringComparison.Ordinal);
        var bShort = !b.Contains('.', StringComparison.Ordinal);
        if (aShort == bShort)
        {
            return false;
        }
        var (shortName, fqdn) = aShort ? (a, b) : (b, a);
        return fqdn.Length > shortName.Length
            && fqdn[shortName.Length] == '.'
            && fqdn.StartsWith(shortName, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The name this node answers to: HOOKRELAY_NODE, else the configured name, else the kernel's host name.</summary>
    public static string Local(string? configured)
    {
        var forced = Environment.GetEnvironmentVariable("HOOKRELAY_NODE");
        if (!string.IsNullOrEmpty(forced))
        {
            return forced;
        }
        return string.IsNullOrEmpty(configured) ? Posix.HostName.Get() : configured;
    }
}
