using HookRelay.Events;

namespace HookRelay.Cli;

/// <summary>The typed facts of an event worth a human's glance, one short line each.</summary>
public static class EventFacts
{
    public static IEnumerable<string> Describe(HookEvent ev)
    {
        if (ev.Instance is { } i)
        {
            yield return $"instance {i.Name}: primary {i.Primary ?? "-"}, secondaries [{string.Join(" ", i.Secondaries)}], "
                + $"{i.MemoryMib?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} MiB, {i.Vcpus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} vCPUs, "
                + $"{i.Disks.Count} disks [{string.Join(" ", i.Disks.Select(d => $"{d.SizeMib}M"))}], {i.Nics.Count} NICs, tags [{string.Join(" ", i.Tags)}]";
        }
        if (ev.Migrate is { } m)
        {
            yield return $"migrate  {(m.Live == true ? "live" : "non-live")} {m.OldPrimary} → {m.NewPrimary}";
        }
        if (ev.Failover is { } f)
        {
            yield return $"failover {f.OldPrimary} → {f.NewPrimary}";
        }
        if (ev.DiskGrow is { } g)
        {
            yield return $"grow     disk {g.Disk} by {g.AmountMib} MiB{(g.Absolute == true ? " (absolute)" : "")}: {g.OldSizeMib?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} → {g.NewSizeMib?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} MiB";
        }
        if (ev.Rename is { } r)
        {
            yield return $"rename   {r.OldName} → {r.NewName}";
        }
        if (ev.Reboot is { } b)
        {
            yield return $"reboot   {b.Type}";
        }
        if (ev.NodeTarget is { } n)
        {
            yield return $"node     {n.Name}";
        }
        if (ev.Group is { } grp)
        {
            yield return $"group    {grp.Name}";
        }
        if (ev.Network is { } net)
        {
            yield return $"network  {net.Name} {net.Subnet}";
        }
    }
}
