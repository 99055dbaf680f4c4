using System.Runtime.InteropServices;

namespace HookRelay.Hook;

/// <summary>
/// Starting other processes from the hook without .NET's Process class (which is not in the lean
/// hook binary, and whose fork-based start is unsafe in a multithreaded runtime): posix_spawn,
/// either fully detached (the drainer) or with stdout read back within a deadline (the policy
/// asker). Every descriptor .NET and SQLite open is close-on-exec, so a child inherits only what
/// is set up here.
/// </summary>
public static partial class PosixSpawn
{
    private const short SetSid = 0x80;
    private const int ReadOnly = 0;
    private const int WriteOnly = 1;
    private const int CloseOnExec = 0x80000;
    private const short PollIn = 0x1;
    private const int SigKill = 9;
    private const int Interrupted = 4;

    /// <summary>The environment of this process, less what <paramref name="drop"/> says, as KEY=VALUE.</summary>
    public static List<string> Environment(Func<string, bool> drop) =>
        [.. System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => !drop(k))
            .Select(k => $"{k}={System.Environment.GetEnvironmentVariable(k)}")];

    /// <summary>
    /// Its own session (Ganeti's kill of the hook's process group does not reach it) and stdio on
    /// /dev/null (Ganeti reads the hook's output until every writer has closed it, so an inherited
    /// pipe would make the job wait). Returns null on success, else why it could not start.
    /// </summary>
    public static string? StartDetached(string binary, IReadOnlyList<string> arguments, IReadOnlyList<string> environment)
    {
        using var spawn = new Spawn();
        var devNull = spawn.Utf8("/dev/null");
        var failed = posix_spawn_file_actions_addopen(spawn.FileActions, 0, devNull, ReadOnly, 0);
        failed = failed != 0 ? failed : posix_spawn_file_actions_addopen(spawn.FileActions, 1, devNull, WriteOnly, 0);
        failed = failed != 0 ? failed : posix_spawn_file_actions_addopen(spawn.FileActions, 2, devNull, WriteOnly, 0);
        failed = failed != 0 ? failed : posix_spawnattr_setflags(spawn.Attributes, SetSid);
        failed = failed != 0 ? failed : spawn.Run(binary, arguments, environment, out _);
        return failed == 0 ? null : $"cannot start {binary}: {Marshal.GetPInvokeErrorMessage(failed)}";
    }

    /// <summary>What a captured child did: its stdout, and whether it finished within the deadline.</summary>
    public sealed record Captured(byte[] Stdout, bool Finished, int ExitStatus);

    /// <summary>
    /// Runs the child with stdin and stderr on /dev/null and stdout into a pipe read here until the
    /// child closes it or <paramref name="limit"/> passes; then the child is killed, never left behind.
    /// </summary>
    /// <exception cref="IOException">The child could not be started.</exception>
    public static Captured RunCaptured(string binary, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, TimeSpan limit, int maxBytes)
    {
        var deadline = System.Environment.TickCount64 + (long)limit.TotalMilliseconds;
        var fds = new int[2];
        if (pipe2(fds, CloseOnExec) != 0)
        {
            throw new IOException($"cannot make a pipe: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        var pid = 0;
        try
        {
            using var spawn = new Spawn();
            var devNull = spawn.Utf8("/dev/null");
            var failed = posix_spawn_file_actions_addopen(spawn.FileActions, 0, devNull, ReadOnly, 0);
            failed = failed != 0 ? failed : posix_spawn_file_actions_adddup2(spawn.FileActions, fds[1], 1);
            failed = failed != 0 ? failed : posix_spawn_file_actions_addopen(spawn.FileActions, 2, devNull, WriteOnly, 0);
            failed = failed != 0 ? failed : spawn.Run(binary, arguments, environment, out pid);
            if (failed != 0)
            {
                throw new IOException($"cannot start {binary}: {Marshal.GetPInvokeErrorMessage(failed)}");
            }
        }
        finally
        {
            _ = close(fds[1]);
        }
        try
        {
            var (output, finished) = ReadUntil(fds[0], deadline, maxBytes);
            if (!finished)
            {
                _ = kill(pid, SigKill);
            }
            return new Captured(output, finished, Reap(pid));
        }
        finally
        {
            _ = close(fds[0]);
        }
    }

    private static (byte[] Output, bool Finished) ReadUntil(int fd, long deadline, int maxBytes)
    {
        using var output = new MemoryStream();
        var buffer = new byte[8192];
        var poll = new PollFd { Fd = fd, Events = PollIn };
        while (true)
        {
            var left = deadline - System.Environment.TickCount64;
            if (left <= 0)
            {
                return (output.ToArray(), false);
            }
            var ready = PollOne(ref poll, (int)Math.Min(left, int.MaxValue));
            if (ready < 0 && Marshal.GetLastPInvokeError() == Interrupted)
            {
                continue;
            }
            if (ready <= 0)
            {
                continue; // timed out: the deadline check above ends it
            }
            var read = ReadInto(fd, buffer);
            if (read < 0 && Marshal.GetLastPInvokeError() == Interrupted)
            {
                continue;
            }
            if (read <= 0)
            {
                return (output.ToArray(), true); // end of file: the child closed its stdout
            }
            if (output.Length + read > maxBytes)
            {
                return (output.ToArray(), false);
            }
            output.Write(buffer, 0, read);
        }
    }

    private static int Reap(int pid)
    {
        int status;
        while (waitpid(pid, out status, 0) < 0 && Marshal.GetLastPInvokeError() == Interrupted)
        {
        }
        return status;
    }

    private static unsafe int PollOne(ref PollFd poll, int milliseconds)
    {
        fixed (PollFd* p = &poll)
        {
            return Poll(p, 1, milliseconds);
        }
    }

    private static unsafe int ReadInto(int fd, byte[] buffer)
    {
        fixed (byte* p = buffer)
        {
            return (int)Read(fd, p, buffer.Length);
        }
    }

    /// <summary>The native argument blocks of one posix_spawn call, freed together.</summary>
    private sealed class Spawn : IDisposable
    {
        private readonly List<IntPtr> _owned = [];

        public Spawn()
        {
            FileActions = Marshal.AllocHGlobal(1024);
            Attributes = Marshal.AllocHGlobal(1024);
            _ = posix_spawn_file_actions_init(FileActions);
            _ = posix_spawnattr_init(Attributes);
        }

        public IntPtr FileActions { get; }

        public IntPtr Attributes { get; }

        public IntPtr Utf8(string value)
        {
            var pointer = Marshal.StringToCoTaskMemUTF8(value);
            _owned.Add(pointer);
            return pointer;
        }

        public int Run(string binary, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, out int pid) =>
            posix_spawn(out pid, Utf8(binary), FileActions, Attributes, NullTerminated([binary, .. arguments]), NullTerminated(environment));

        private IntPtr NullTerminated(IReadOnlyList<string> values)
        {
            var array = Marshal.AllocCoTaskMem(IntPtr.Size * (values.Count + 1));
            _owned.Add(array);
            for (var i = 0; i < values.Count; i++)
            {
                Marshal.WriteIntPtr(array, i * IntPtr.Size, Utf8(values[i]));
            }
            Marshal.WriteIntPtr(array, values.Count * IntPtr.Size, IntPtr.Zero);
            return array;
        }

        public void Dispose()
        {
            _ = posix_spawn_file_actions_destroy(FileActions);
            _ = posix_spawnattr_destroy(Attributes);
            _owned.ForEach(Marshal.FreeCoTaskMem);
            Marshal.FreeHGlobal(FileActions);
            Marshal.FreeHGlobal(Attributes);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc")]
    private static partial int posix_spawn(out int pid, IntPtr path, IntPtr fileActions, IntPtr attributes, IntPtr argv, IntPtr envp);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_init(IntPtr fileActions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addopen(IntPtr fileActions, int fd, IntPtr path, int flags, uint mode);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_adddup2(IntPtr fileActions, int fd, int newFd);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_destroy(IntPtr fileActions);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_init(IntPtr attributes);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setflags(IntPtr attributes, short flags);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_destroy(IntPtr attributes);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe2([Out] int[] fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, out int status, int options);
}
