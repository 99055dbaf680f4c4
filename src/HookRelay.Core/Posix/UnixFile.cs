using System.Runtime.InteropServices;

namespace HookRelay.Posix;

/// <summary>A file's identity and change times as statx(2) gives them (times in nanoseconds since the epoch).</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, long Size, long ModifiedNs, long ChangedNs);

/// <summary>
/// Reads, appends and stat straight through libc, for the hook: every run stats its configuration,
/// reads part of its snapshot and appends its journal line, and only what it asks for is read.
/// </summary>
internal static unsafe partial class UnixFile
{
    private const int ReadOnly = 0x0;
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Append = 0x400;
    private const int CloseOnExec = 0x80000;
    private const int NoSuchFile = 2;
    private const int Interrupted = 4;
    private const int NotADirectory = 20;
    private const int SeekEnd = 2;
    private const int AtCurrentDirectory = -100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>The file's bytes; throws <see cref="IOException"/> naming the file and the system's reason.</summary>
    public static byte[] ReadAll(string path) => ReadAll(path, OpenForReading(path));

    /// <summary>
    /// The file's bytes, or null when there is no such file (nor its directory): for a file whose
    /// absence is the usual answer, which an exception would make the slowest one.
    /// </summary>
    public static byte[]? ReadIfExists(string path)
    {
        var fd = open(path, ReadOnly | CloseOnExec, 0);
        if (fd >= 0)
        {
            return ReadAll(path, fd);
        }
        return Marshal.GetLastPInvokeError() is NoSuchFile or NotADirectory ? null : throw Failure("cannot open", path);
    }

    private static byte[] ReadAll(string path, int fd)
    {
        try
        {
            // Not zeroed: only what was read is kept, and a run pays for clearing every fresh page it allocates.
            var buffer = GC.AllocateUninitializedArray<byte>(16 * 1024);
            var length = 0;
            while (true)
            {
                length += Fill(fd, buffer, length, offset: null, path);
                if (length < buffer.Length)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>
    /// <paramref name="length"/> bytes from <paramref name="offset"/> (fewer at the end of the file),
    /// so a large file is not read whole for a part of it.
    /// </summary>
    public static byte[] ReadRange(string path, long offset, int length)
    {
        var fd = OpenForReading(path);
        try
        {
            // Not zeroed: a snapshot's first read asks for 64 KiB of a file often under 1 KiB.
            var buffer = GC.AllocateUninitializedArray<byte>(length);
            var read = Fill(fd, buffer, 0, offset, path);
            return read == length ? buffer : buffer.AsSpan(0, read).ToArray();
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>Reads into <paramref name="buffer"/> from <paramref name="start"/> until it is full or the file ends; returns how much was read.</summary>
    private static int Fill(int fd, byte[] buffer, int start, long? offset, string path)
    {
        var done = start;
        while (done < buffer.Length)
        {
            nint count;
            fixed (byte* free = &buffer[done])
            {
                count = offset is { } at ? pread(fd, free, buffer.Length - done, at + done - start) : read(fd, free, buffer.Length - done);
            }
            if (count < 0 && Marshal.GetLastPInvokeError() == Interrupted)
            {
                continue;
            }
            if (count < 0)
            {
                throw Failure("cannot read", path);
            }
            if (count == 0)
            {
                break;
            }
            done += (int)count;
        }
        return done - start;
    }

    /// <summary>
    /// Which file is at <paramref name="path"/> and when it last changed, without reading it; null
    /// when there is none. Any write changes its ctime, which no one can set back.
    /// </summary>
    public static FileIdentity? Identity(string path)
    {
        // struct statx has one layout on every architecture; offsets as in linux/stat.h.
        var buffer = stackalloc byte[256];
        if (statx(AtCurrentDirectory, path, 0, StatxBasicStats, buffer) != 0)
        {
            return null;
        }
        var data = new ReadOnlySpan<byte>(buffer, 256);
        return new FileIdentity(
            Device: ((ulong)Read32(data, 136) << 32) | Read32(data, 140),
            Inode: BitConverter.ToUInt64(data[32..]),
            Size: BitConverter.ToInt64(data[40..]),
            ModifiedNs: Timestamp(data, 112),
            ChangedNs: Timestamp(data, 96));
    }

    private static uint Read32(ReadOnlySpan<byte> data, int offset) => BitConverter.ToUInt32(data[offset..]);

    private static long Timestamp(ReadOnlySpan<byte> data, int offset) =>
        (BitConverter.ToInt64(data[offset..]) * 1_000_000_000) + BitConverter.ToUInt32(data[(offset + 8)..]);

    private static int OpenForReading(string path)
    {
        var fd = open(path, ReadOnly | CloseOnExec, 0);
        return fd >= 0 ? fd : throw Failure("cannot open", path);
    }

    /// <summary>
    /// Appends <paramref name="bytes"/> in one write() on an O_APPEND descriptor, so concurrent
    /// writers never interleave within a line (FileMode.Append writes at an offset .NET tracks).
    /// Returns the file's size after the write.
    /// </summary>
    public static long AppendAll(string path, ReadOnlySpan<byte> bytes, UnixFileMode mode)
    {
        var fd = open(path, WriteOnly | Create | Append | CloseOnExec, (int)mode);
        if (fd < 0)
        {
            throw Failure("cannot open", path);
        }
        try
        {
            fixed (byte* data = bytes)
            {
                if (write(fd, data, bytes.Length) != bytes.Length)
                {
                    throw Failure("cannot append to", path);
                }
            }
            return lseek(fd, 0, SeekEnd);
        }
        finally
        {
            _ = close(fd);
        }
    }

    private static IOException Failure(string what, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        var reason = Marshal.GetPInvokeErrorMessage(errno);
        // ENOENT: callers tell a missing file from an unreadable one.
        return errno == NoSuchFile ? new FileNotFoundException($"{what} {path}: {reason}", path) : new IOException($"{what} {path}: {reason}");
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pread(int fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
