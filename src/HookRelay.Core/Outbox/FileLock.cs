namespace HookRelay.Outbox;

/// <summary>
/// An exclusive advisory lock on a file. .NET takes flock(LOCK_EX) for FileShare.None on Unix,
/// so the kernel drops it when the holder dies, even by kill -9: no stale locks to clean up.
/// </summary>
public static class FileLock
{
    public static FileStream? TryAcquire(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static FileStream? Acquire(string path, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            if (TryAcquire(path) is { } held)
            {
                return held;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return null;
            }
            Thread.Sleep(20);
        }
    }
}
