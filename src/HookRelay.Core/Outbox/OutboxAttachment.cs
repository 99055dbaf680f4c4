using System.Runtime.InteropServices;

namespace HookRelay.Outbox;

/// <summary>
/// Whether another process has the outbox open, asked the way SQLite itself keeps track: every
/// process with a WAL database open holds a read lock on one byte of its -shm file (the
/// "dead-man switch", byte 128) for as long as it has it open. A write lock on that byte is
/// granted only when nobody else holds it. Moving the files aside while someone has them open
/// would leave that process on the old file, and its close would delete the new file's -wal and
/// -shm by name. Taken as an open-file-description lock, so the probe neither conflicts with nor
/// releases this process's own SQLite locks.
/// </summary>
internal static partial class OutboxAttachment
{
    private const int OfdSetLock = 37; // F_OFD_SETLK
    private const short WriteLock = 1; // F_WRLCK
    private const int DeadManSwitchByte = 128; // UNIX_SHM_DMS in SQLite's os_unix.c
    private const int ReadWrite = 2;
    private const int CloseOnExec = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    /// <summary>True when another process has <paramref name="database"/> open (its -shm locked).</summary>
    public static bool OthersHaveOpen(string database)
    {
        var fd = open(database + "-shm", ReadWrite | CloseOnExec);
        if (fd < 0)
        {
            return false; // No -shm: nobody has it open in WAL mode.
        }
        try
        {
            var probe = new Flock { Type = WriteLock, Start = DeadManSwitchByte, Length = 1 };
            // Granted means nobody else holds it; closing the descriptor below releases it again.
            return fcntl(fd, OfdSetLock, ref probe) != 0;
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, ref Flock flock);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
