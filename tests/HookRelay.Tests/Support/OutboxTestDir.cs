using HookRelay.Outbox;
using Microsoft.Data.Sqlite;

namespace HookRelay.Tests.Support;

/// <summary>A scratch state directory for tests that use the outbox file directly.</summary>
public sealed class OutboxTestDir : IDisposable
{
    /// <summary>The hook's way of opening it: fsync on, a short wait for locks.</summary>
    public static readonly OutboxOptions HookOptions = new(true, TimeSpan.FromSeconds(5), OutboxDatabase.DefaultMaxSizeBytes);

    private readonly TempDir _dir = new();

    public string StateDir => System.IO.Path.Combine(_dir.Path, "state");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
