using System.Runtime.InteropServices;

namespace HookRelay.Posix;

/// <summary>
/// A one-shot timer from timer_create(2) with SIGEV_THREAD: when it fires, the C library runs the
/// callback on a thread of its own, which enters .NET only then. Until it fires it costs the C
/// library's timer helper thread and nothing of the runtime's.
/// </summary>
internal sealed unsafe partial class PosixTimer : IDisposable
{
    private const int ClockMonotonic = 1;
    private const int NotifyByThread = 2; // SIGEV_THREAD
    private const long NanosecondsPerSecond = 1_000_000_000;

    // The C library hands the callback only the number it was given: the callbacks live here,
    // and one that was disposed is gone, so a timer firing as it is deleted finds nothing to run.
    private static readonly Dictionary<long, Action> Armed = [];
    private static readonly Lock ArmedGate = new();
    private static long _lastId;

    private readonly long _id;
    private nint _timer;

    private PosixTimer(long id, nint timer)
    {
        _id = id;
        _timer = timer;
    }

    /// <summary>Runs <paramref name="callback"/> once, <paramref name="after"/> from now, on a thread of the C library's.</summary>
    public static PosixTimer Start(TimeSpan after, Action callback)
    {
        var id = Interlocked.Increment(ref _lastId);
        lock (ArmedGate)
        {
            Armed[id] = callback;
        }
        // struct sigevent on 64-bit Linux: sigev_value at 0, sigev_signo at 8, sigev_notify at 12,
        // then the notify function at 16 and its thread attributes at 24; 64 bytes in all.
        var notify = stackalloc byte[64];
        new Span<byte>(notify, 64).Clear();
        *(long*)notify = id;
        *(int*)(notify + 12) = NotifyByThread;
        *(delegate* unmanaged<nint, void>*)(notify + 16) = &Fired;
        nint timer;
        if (timer_create(ClockMonotonic, notify, &timer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            Forget(id);
            throw new IOException($"cannot create a timer: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        // struct itimerspec: no interval (once), then the first expiry; an all-zero expiry would disarm it.
        var nanoseconds = Math.Max(1, after.Ticks * 100);
        var spec = stackalloc long[4] { 0, 0, nanoseconds / NanosecondsPerSecond, nanoseconds % NanosecondsPerSecond };
        if (timer_settime(timer, 0, spec, null) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _ = timer_delete(timer);
            Forget(id);
            throw new IOException($"cannot start a timer: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return new PosixTimer(id, timer);
    }

    [UnmanagedCallersOnly]
    private static void Fired(nint id)
    {
        Action? callback;
        lock (ArmedGate)
        {
            Armed.Remove(id, out callback);
        }
        try
        {
            callback?.Invoke();
        }
        catch (Exception)
        {
            // An exception must not cross into the C library's thread: it would abort the process.
        }
    }

    private static void Forget(long id)
    {
        lock (ArmedGate)
        {
            Armed.Remove(id);
        }
    }

    public void Dispose()
    {
        Forget(_id);
        if (_timer != 0)
        {
            _ = timer_delete(_timer);
            _timer = 0;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int timer_create(int clock, byte* notify, nint* timer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int timer_settime(nint timer, int flags, long* value, long* old);

    [LibraryImport("libc")]
    private static partial int timer_delete(nint timer);
}
