using System.Globalization;

namespace HookRelay.Actions.Shaping;

/// <summary>
/// The taps Ganeti's kvm hypervisor made for a running instance: it writes each NIC's tap name to
/// nic/&lt;instance&gt;/&lt;index&gt; under its run directory when the instance starts here, and removes
/// them when it stops or leaves. The directory is therefore also the list of kvm instances
/// running on this node, which is what a reconcile starts from.
/// </summary>
public static class GanetiNics
{
    public const string DefaultDir = "/var/run/ganeti/kvm-hypervisor/nic";

    public sealed record Nic(int Index, string Tap);

    /// <summary>The instance's NICs by index, or null when it has no directory here (not running on this node).</summary>
    public static IReadOnlyList<Nic>? Of(string nicDir, string instance)
    {
        var dir = Path.Combine(nicDir, instance);
        if (!Directory.Exists(dir))
        {
            return null;
        }
        var nics = new List<Nic>();
        foreach (var file in Directory.GetFiles(dir))
        {
            if (int.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && File.ReadAllText(file).Trim() is { Length: > 0 } tap)
            {
                nics.Add(new Nic(index, tap));
            }
        }
        return [.. nics.OrderBy(n => n.Index)];
    }

    public static IReadOnlyList<string> Instances(string nicDir) =>
        Directory.Exists(nicDir) ? [.. Directory.GetDirectories(nicDir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)] : [];
}
