using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// limits: upper bounds on what an instance asks for. A value Ganeti does not give (the field is
/// not in this hooks path) is not checked: the limit only judges what is there.
/// </summary>
public sealed record LimitsPolicy(long? MemoryMib, int? Vcpus, int? Disks, long? DiskMib, long? TotalDiskMib, int? Nics) : IGatePolicy
{
    public string? Deny(HookEvent ev, EventAttributes attributes, DateTimeOffset now)
    {
        if (ev.Instance is not { } instance)
        {
            return null;
        }
        var memory = instance.MaxmemMib ?? instance.MemoryMib;
        if (MemoryMib is { } maxMemory && memory > maxMemory)
        {
            return $"instance '{instance.Name}' asks for {memory} MiB of memory, more than the limit of {maxMemory} MiB";
        }
        if (Vcpus is { } maxVcpus && instance.Vcpus > maxVcpus)
        {
            return $"instance '{instance.Name}' asks for {instance.Vcpus} vCPUs, more than the limit of {maxVcpus}";
        }
        if (Disks is { } maxDisks && instance.Disks.Count > maxDisks)
        {
            return $"instance '{instance.Name}' has {instance.Disks.Count} disks, more than the limit of {maxDisks}";
        }
        if (DiskMib is { } maxDisk && instance.Disks.FirstOrDefault(d => d.SizeMib > maxDisk) is { } big)
        {
            return $"disk {big.Index} of instance '{instance.Name}' is {big.SizeMib} MiB, more than the limit of {maxDisk} MiB";
        }
        var total = instance.Disks.Sum(d => d.SizeMib ?? 0);
        if (TotalDiskMib is { } maxTotal && total > maxTotal)
        {
            return $"the disks of instance '{instance.Name}' add up to {total} MiB, more than the limit of {maxTotal} MiB";
        }
        if (Nics is { } maxNics && instance.Nics.Count > maxNics)
        {
            return $"instance '{instance.Name}' has {instance.Nics.Count} NICs, more than the limit of {maxNics}";
        }
        return null;
    }
}
