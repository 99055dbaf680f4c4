using System.ComponentModel;
using System.Runtime.InteropServices;

namespace HookRelay.Actions.Pinning;

/// <summary>A thread's CPU affinity, through sched_setaffinity/sched_getaffinity (a QEMU vCPU is a host thread).</summary>
internal static unsafe partial class Affinity
{
    /// <summary>Up to 1024 CPUs, the size of glibc's cpu_set_t.</summary>
    private const int Words = 16;

    public static void Set(int threadId, IEnumerable<int> cpus)
    {
        var mask = stackalloc ulong[Words];
        foreach (var cpu in cpus)
        {
            if (cpu is < 0 or >= Words * 64)
            {
                throw new ArgumentOutOfRangeException(nameof(cpus), cpu, "a CPU number past 1023");
            }
            mask[cpu / 64] |= 1UL << (cpu % 64);
        }
        if (sched_setaffinity(threadId, Words * sizeof(ulong), mask) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"sched_setaffinity of thread {threadId}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    public static SortedSet<int> Get(int threadId)
    {
        var mask = stackalloc ulong[Words];
        if (sched_getaffinity(threadId, Words * sizeof(ulong), mask) < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"sched_getaffinity of thread {threadId}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        var cpus = new SortedSet<int>();
        for (var cpu = 0; cpu < Words * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }
        return cpus;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nint size, ulong* mask);
}
