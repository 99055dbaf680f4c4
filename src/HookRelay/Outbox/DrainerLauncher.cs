using System.Runtime.InteropServices;

namespace HookRelay.Outbox;

/// <summary>
/// Starts `hookrelay serve --drain` fully detached from the hook: its own session (Ganeti's
/// timeout kill of the hook's process group does not reach it), stdio on /dev/null (Ganeti reads
/// the hook's output pipes until every writer has closed them, so an inherited pipe would make
/// the job wait for the drainer), no other file descriptors (.NET and SQLite open theirs close-on-exec).
/// posix_spawn because fork() is unsafe in a multithreaded runtime and .NET's Process cannot do either.
/// </summary>
public static partial class DrainerLauncher
{
    private const short PosixSpawnSetSid = 0x80;
    private const int ReadOnly = 0;
    private const int WriteOnly = 1;

    /// <summary>Returns null on success, else why the drainer could not be started.</summary>
    public static string? Start(string binary, IReadOnlyList<string> arguments)
    {
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            // The drainer is not a hook: without the Ganeti variables it cannot mistake itself for one.
            .Where(k => !k.StartsWith("GANETI_", StringComparison.Ordinal))
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}")
            .ToList();
        var argv = new List<string> { binary };
        argv.AddRange(arguments);
        var strings = new List<IntPtr>();
        var fileActions = Marshal.AllocHGlobal(1024);
        var attributes = Marshal.AllocHGlobal(1024);
        try
        {
            var devNull = Utf8(strings, "/dev/null");
            var failed = posix_spawn_file_actions_init(fileActions);
            failed = failed != 0 ? failed : posix_spawn_file_actions_addopen(fileActions, 0, devNull, ReadOnly, 0);
            failed = failed != 0 ? failed : posix_spawn_file_actions_addopen(fileActions, 1, devNull, WriteOnly, 0);
            failed = failed != 0 ? failed : posix_spawn_file_actions_addopen(fileActions, 2, devNull, WriteOnly, 0);
            failed = failed != 0 ? failed : posix_spawnattr_init(attributes);
            failed = failed != 0 ? failed : posix_spawnattr_setflags(attributes, PosixSpawnSetSid);
            if (failed == 0)
            {
                failed = posix_spawn(out _, Utf8(strings, binary), fileActions, attributes,
                    NullTerminated(strings, argv), NullTerminated(strings, environment));
            }
            _ = posix_spawn_file_actions_destroy(fileActions);
            _ = posix_spawnattr_destroy(attributes);
            return failed == 0 ? null : $"cannot start {binary} serve --drain: {Marshal.GetPInvokeErrorMessage(failed)}";
        }
        finally
        {
            foreach (var pointer in strings)
            {
                Marshal.FreeCoTaskMem(pointer);
            }
            Marshal.FreeHGlobal(fileActions);
            Marshal.FreeHGlobal(attributes);
        }
    }

    private static IntPtr Utf8(List<IntPtr> owned, string value)
    {
        var pointer = Marshal.StringToCoTaskMemUTF8(value);
        owned.Add(pointer);
        return pointer;
    }

    private static IntPtr NullTerminated(List<IntPtr> owned, List<string> values)
    {
        var array = Marshal.AllocCoTaskMem(IntPtr.Size * (values.Count + 1));
        owned.Add(array);
        for (var i = 0; i < values.Count; i++)
        {
            Marshal.WriteIntPtr(array, i * IntPtr.Size, Utf8(owned, values[i]));
        }
        Marshal.WriteIntPtr(array, values.Count * IntPtr.Size, IntPtr.Zero);
        return array;
    }

    [LibraryImport("libc")]
    private static partial int posix_spawn(out int pid, IntPtr path, IntPtr fileActions, IntPtr attributes, IntPtr argv, IntPtr envp);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_init(IntPtr fileActions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addopen(IntPtr fileActions, int fd, IntPtr path, int flags, uint mode);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_destroy(IntPtr fileActions);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_init(IntPtr attributes);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setflags(IntPtr attributes, short flags);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_destroy(IntPtr attributes);
}
