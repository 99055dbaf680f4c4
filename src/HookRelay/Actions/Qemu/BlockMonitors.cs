using System.Globalization;
using System.Text.RegularExpressions;

namespace HookRelay.Actions.Qemu;

/// <summary>What disk_resize needs of a QEMU monitor: the disks with their sizes, and a resize.</summary>
public interface IBlockMonitor
{
    /// <summary>How the outcome says which monitor it used: empty for QMP.</summary>
    string Via { get; }

    Task<List<QemuDisk>> DisksAsync(CancellationToken cancellationToken);

    Task ResizeAsync(QemuDisk disk, long bytes, CancellationToken cancellationToken);
}

/// <summary>query-block and block_resize over QMP.</summary>
public sealed class QmpBlocks(QmpClient qmp) : IBlockMonitor
{
    public string Via => "";

    public async Task<List<QemuDisk>> DisksAsync(CancellationToken cancellationToken) =>
        QemuDisk.From(await qmp.ExecuteAsync("query-block", null, cancellationToken).ConfigureAwait(false));

    public Task ResizeAsync(QemuDisk disk, long bytes, CancellationToken cancellationToken) =>
        qmp.ExecuteAsync("block_resize", arguments =>
        {
            disk.WriteTarget(arguments);
            arguments.WriteNumber("size", bytes);
        }, cancellationToken);
}

/// <summary>
/// `info block -v` and `block_resize` over the human monitor. info block -v lists each drive as
/// "name (node): file (format)" with, below it, its image's "virtual size: 1 GiB (1073741824 bytes)".
/// </summary>
public sealed partial class HmpBlocks(HmpClient hmp) : IBlockMonitor
{
    public string Via => " over the HMP monitor (no QMP socket)";

    public async Task<List<QemuDisk>> DisksAsync(CancellationToken cancellationToken)
    {
        var disks = new List<QemuDisk>();
        (string Device, string Node, string File)? current = null;
        foreach (var line in (await hmp.ExecuteAsync("info block -v", cancellationToken).ConfigureAwait(false)).Split('\n'))
        {
            if (Drive().Match(line) is { Success: true } drive)
            {
                current = (drive.Groups["device"].Value, drive.Groups["node"].Value, drive.Groups["file"].Value);
            }
            else if (current is { } open && VirtualSize().Match(line) is { Success: true } size)
            {
                disks.Add(new QemuDisk(open.Device, open.Node, open.File, long.Parse(size.Groups["bytes"].Value, NumberStyles.None, CultureInfo.InvariantCulture)));
                current = null;
            }
        }
        return disks;
    }

    // HMP reads a size without a suffix as MiB: "B" makes it bytes.
    public Task ResizeAsync(QemuDisk disk, long bytes, CancellationToken cancellationToken) =>
        hmp.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"block_resize {disk.Label} {bytes}B"), cancellationToken);

    [GeneratedRegex(@"^(?<device>\S+) \((?<node>[^)]*)\): (?<file>\S+)")]
    private static partial Regex Drive();

    [GeneratedRegex(@"^virtual size: .*\((?<bytes>[0-9]+) bytes\)")]
    private static partial Regex VirtualSize();
}
