using System.Text.Json;

namespace HookRelay.Actions.Qemu;

/// <summary>One block device as QEMU's query-block reports it: how to name it to block_resize, and its size.</summary>
public sealed record QemuDisk(string Device, string? NodeName, string? File, long VirtualSize)
{
    /// <summary>What `block_resize` is told: the drive's name, or its node name when the drive has none (-blockdev).</summary>
    public void WriteTarget(Utf8JsonWriter arguments)
    {
        if (Device.Length > 0)
        {
            arguments.WriteString("device", Device);
        }
        else
        {
            arguments.WriteString("node-name", NodeName);
        }
    }

    public string Label => Device.Length > 0 ? Device : NodeName ?? "?";

    /// <summary>The devices of a query-block answer that have a medium.</summary>
    public static List<QemuDisk> From(JsonElement queryBlock)
    {
        var disks = new List<QemuDisk>();
        foreach (var entry in queryBlock.EnumerateArray())
        {
            var device = entry.StringOf("device") ?? "";
            if (!entry.TryGetProperty("inserted", out var inserted) || !inserted.TryGetProperty("image", out var image)
                || !image.TryGetProperty("virtual-size", out var size) || !size.TryGetInt64(out var bytes))
            {
                continue;
            }
            disks.Add(new QemuDisk(device, inserted.StringOf("node-name"), inserted.StringOf("file"), bytes) { Qdev = entry.StringOf("qdev") ?? "" });
        }
        return disks;
    }

    public string Qdev { get; init; } = "";

    /// <summary>
    /// Ganeti's disk as QEMU knows it. Ganeti names hot-pluggable disks after their UUID
    /// ("disk-932df160-7a22-4067", older ones with "-pci-N" after it), as the drive or the
    /// device; it opens file-based disks through a link named "instance:index". Never a guess by
    /// position: resizing the wrong disk is worse than not resizing.
    /// </summary>
    public static QemuDisk? Find(IReadOnlyList<QemuDisk> disks, string? uuid, string instance, int index)
    {
        if (uuid is { Length: > 0 })
        {
            var parts = uuid.Split('-');
            var id = "disk-" + string.Join('-', parts.Take(3));
            var byId = disks.FirstOrDefault(d => Names(d, id));
            if (byId is not null)
            {
                return byId;
            }
        }
        var link = $"{instance}:{index}";
        return disks.FirstOrDefault(d => d.File is { } file && Path.GetFileName(file) == link);
    }

    private static bool Names(QemuDisk disk, string id) =>
        disk.Device == id || disk.Device.StartsWith(id + "-", StringComparison.Ordinal)
        || disk.Qdev.Split('/').Any(part => part == id || part.StartsWith(id + "-", StringComparison.Ordinal));
}
