using System.Globalization;
using HookRelay.Outbox;

namespace HookRelay.Delivery;

/// <summary>
/// One deliverer per outbox: `serve` and drainers take state_dir/serve.lock (released by the
/// kernel if the holder dies) and say who they are in serve.pid, for messages and `status`.
/// </summary>
public sealed class ServeLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _pidFile;

    private ServeLock(FileStream held, string pidFile)
    {
        _lock = held;
        _pidFile = pidFile;
    }

    public static string LockPath(string stateDir) => Path.Combine(stateDir, "serve.lock");

    private static string PidPath(string stateDir) => Path.Combine(stateDir, "serve.pid");

    public static ServeLock? TryTake(string stateDir, bool drainer)
    {
        if (FileLock.TryAcquire(LockPath(stateDir)) is not { } held)
        {
            return null;
        }
        var pidFile = PidPath(stateDir);
        File.WriteAllText(pidFile, $"{(drainer ? "drain" : "serve")} {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}\n");
        return new ServeLock(held, pidFile);
    }

    /// <summary>Who delivers now ("serve 1234", "drain 99"), or null when nobody does.</summary>
    public static string? Holder(string stateDir)
    {
        if (!Directory.Exists(stateDir))
        {
            return null;
        }
        using (var probe = FileLock.TryAcquire(LockPath(stateDir)))
        {
            if (probe is not null)
            {
                return null;
            }
        }
        try
        {
            return File.ReadAllText(PidPath(stateDir)).Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_pidFile);
        }
        catch (IOException)
        {
        }
        _lock.Dispose();
    }
}
