using System.Globalization;

namespace HookRelay.Posix;

/// <summary>
/// A small state file replaced whole: written to a temporary name of this process beside it, then
/// renamed over it, so a reader or a crash sees the old content or the new, never half. Durable
/// when the caller needs the new content to survive a power loss (fsync before the rename);
/// owner-only when it may hold a secret.
/// </summary>
public static class AtomicFile
{
    public static void Replace(string path, ReadOnlySpan<byte> content, bool durable = false, bool ownerOnly = false)
    {
        var temporary = $"{path}.tmp-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (ownerOnly)
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            if (durable)
            {
                stream.Flush(flushToDisk: true);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }
}
