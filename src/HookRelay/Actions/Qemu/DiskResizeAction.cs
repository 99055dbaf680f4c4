using System.Globalization;
using HookRelay.Sinks;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;

namespace HookRelay.Actions.Qemu;

/// <summary>
/// After `gnt-instance grow-disk`, tells the instance's running QEMU the disk's new size (Ganeti
/// 3.0 grows the storage but not what the guest sees). Runs on the primary, over QMP: finds the
/// disk in query-block, grows it to the size Ganeti recorded, reads it back. Only ever grows, so
/// a repeat, or a Ganeti that resized already (3.1), is a no-op.
/// </summary>
public sealed class DiskResizeAction(string controlDir, TimeSpan timeout) : INodeAction
{
    public const string DefaultControlDir = "/var/run/ganeti/kvm-hypervisor/ctrl";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private const long Mebibyte = 1024 * 1024;

    public static readonly ActionType Declaration = new("disk_resize",
    [
        SinkKey.Text("control_dir", $"Where Ganeti's kvm hypervisor keeps each instance's QMP socket (default {DefaultControlDir})."),
        SinkKey.Duration("timeout", "Longest QEMU may take to answer one run (default 10s)."),
    ], Create);

    public string Name => Declaration.Name;

    private static DiskResizeAction Create(SinkSettings settings, ActionHost _) =>
        new(settings.Text("control_dir") ?? DefaultControlDir, settings.Duration("timeout", DefaultTimeout));

    public async ValueTask<ActionOutcome> RunAsync(EventView trigger, CancellationToken cancellationToken)
    {
        var env = new TriggerVariables(trigger);
        var instance = env["INSTANCE_NAME"];
        if (instance is null || !int.TryParse(env["DISK"], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return new ActionOutcome.Failed("the event does not name the instance and the disk that grew (GANETI_INSTANCE_NAME, GANETI_DISK)", Retry: false);
        }
        if (InstancePlacement.UnlessKvm(env, instance, "has a QEMU to tell") is { } notKvm)
        {
            return notKvm;
        }
        if (NewSizeMib(env, index) is not { } targetMib)
        {
            return new ActionOutcome.Failed($"the event does not say disk {index}'s new size (GANETI_POST_INSTANCE_DISK{index}_SIZE)", Retry: false);
        }
        var uuid = env[$"INSTANCE_DISK{index}_UUID"];
        return await QmpCall.RunAsync(controlDir, instance, timeout,
            (qmp, token) => ResizeAsync(new QmpBlocks(qmp), instance, index, uuid, targetMib * Mebibyte, token), cancellationToken,
            viaHmp: (hmp, token) => ResizeAsync(new HmpBlocks(hmp), instance, index, uuid, targetMib * Mebibyte, token)).ConfigureAwait(false);
    }

    private static async Task<ActionOutcome> ResizeAsync(IBlockMonitor monitor, string instance, int index, string? uuid, long target, CancellationToken cancellationToken)
    {
        var disks = await monitor.DisksAsync(cancellationToken).ConfigureAwait(false);
        if (QemuDisk.Find(disks, uuid, instance, index) is not { } disk)
        {
            return new ActionOutcome.Failed($"QEMU has no block device for disk {index} of {instance} (uuid {uuid ?? "not given"}); "
                + $"it has: {string.Join(", ", disks.Select(d => d.Label))}{monitor.Via}", Retry: false);
        }
        if (disk.VirtualSize == target)
        {
            return new ActionOutcome.Skipped($"QEMU already sees disk {index} of {instance} ({disk.Label}) at {Mib(target)}: nothing to grow");
        }
        if (disk.VirtualSize > target)
        {
            return new ActionOutcome.Skipped($"QEMU sees disk {index} of {instance} ({disk.Label}) at {Mib(disk.VirtualSize)}, more than Ganeti's {Mib(target)}: "
                + "a disk is never shrunk");
        }
        await monitor.ResizeAsync(disk, target, cancellationToken).ConfigureAwait(false);
        var after = QemuDisk.Find(await monitor.DisksAsync(cancellationToken).ConfigureAwait(false), uuid, instance, index);
        return after?.VirtualSize == target
            ? new ActionOutcome.Done($"disk {index} of {instance} ({disk.Label}) grown in QEMU from {Mib(disk.VirtualSize)} to {Mib(target)}, read back{monitor.Via}")
            : new ActionOutcome.Failed($"asked QEMU to grow disk {index} of {instance} ({disk.Label}) to {target} bytes, but it reports {after?.VirtualSize.ToString(CultureInfo.InvariantCulture) ?? "no such disk"} afterwards", Retry: true);
    }

    /// <summary>The size Ganeti recorded after the operation; else the size before plus what was added (or the absolute size asked for).</summary>
    private static long? NewSizeMib(TriggerVariables env, int index)
    {
        if (Long(env[$"POST_INSTANCE_DISK{index}_SIZE"]) is { } after)
        {
            return after;
        }
        var amount = Long(env["AMOUNT"]);
        return env["ABSOLUTE"] == "True" ? amount : Long(env[$"INSTANCE_DISK{index}_SIZE"]) + amount;
    }

    private static long? Long(string? text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string Mib(long bytes) => bytes % Mebibyte == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / Mebibyte} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
}
