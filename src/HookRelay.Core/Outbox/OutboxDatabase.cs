using HookRelay.Logging;
using Microsoft.Data.Sqlite;

namespace HookRelay.Outbox;

/// <summary>How a process uses the outbox: the hook wants durability, the daemon throughput.</summary>
/// <param name="FullSync">
/// synchronous=FULL: a commit is on disk (WAL fsynced) before it returns. The hook needs that, it
/// has told Ganeti the event is safe. The daemon only records outcomes; losing the last few to a
/// power cut means a redelivery with the same id, which at-least-once allows.
/// </param>
public sealed record OutboxOptions(bool FullSync, TimeSpan BusyTimeout, long MaxSizeBytes);

/// <summary>
/// Opens the outbox database (state_dir/outbox.db) ready to use: WAL, migrated to the current
/// schema, size-bounded. A file that is not a database, or is damaged, is moved aside under a
/// dated name and replaced by an empty one, so a bad file never turns into a crash loop.
/// </summary>
public static class OutboxDatabase
{
    public const string FileName = "outbox.db";
    public const long DefaultMaxSizeBytes = 512L * 1024 * 1024;
    private const int PageSize = 4096;

    public static string PathIn(string stateDir) => Path.Combine(stateDir, FileName);

    /// <summary>
    /// A connection that only reads (what /metrics and the event API answer from), on its own:
    /// the daemon's connection belongs to its database thread. Null when there is no outbox yet.
    /// </summary>
    public static SqliteConnection? OpenReadOnly(string stateDir)
    {
        var path = PathIn(stateDir);
        if (!File.Exists(path))
        {
            return null;
        }
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 5 }.ToString());
        connection.Open();
        return connection;
    }

    public static SqliteConnection Open(string stateDir, OutboxOptions options)
    {
        EnsureProvider();
        EnsureStateDir(stateDir);
        try
        {
            return OpenMigrated(stateDir, options);
        }
        catch (SqliteException e) when (OutboxErrors.IsDamaged(e))
        {
            Quarantine(stateDir, e.Message, options);
            return OpenMigrated(stateDir, options);
        }
    }

    /// <summary>
    /// The outbox opened to queue into (<see cref="OutboxWriter"/>), through SQLitePCL.raw: the
    /// session set as <see cref="Open"/> sets it. A file without the current schema (new, or from
    /// an older HookRelay) is migrated once through <see cref="Open"/> first. Damage is thrown, as
    /// <see cref="SqliteException"/>, for the caller to quarantine.
    /// </summary>
    internal static RawConnection OpenToQueue(string stateDir, OutboxOptions options)
    {
        EnsureProvider();
        EnsureStateDir(stateDir);
        if (OpenRawIfCurrent(stateDir, options) is { } current)
        {
            return current;
        }
        Open(stateDir, options).Dispose();
        return OpenRawIfCurrent(stateDir, options)
            ?? throw new OutboxException(OutboxProblem.Unavailable, $"{PathIn(stateDir)} still has an older schema after migrating it");
    }

    private static RawConnection? OpenRawIfCurrent(string stateDir, OutboxOptions options)
    {
        var connection = RawConnection.Open(PathIn(stateDir));
        try
        {
            connection.Execute(SessionPragmas(options));
            if (connection.Scalar("PRAGMA user_version") == OutboxSchema.CurrentVersion)
            {
                return connection;
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        connection.Dispose();
        return null;
    }

    private static void EnsureProvider() => Provider.Set();

    /// <summary>
    /// SQLitePCL's provider, set once per process. A class constructor, not a flag: every other
    /// thread waits until it has run, so none calls into SQLite before the provider is there.
    /// </summary>
    private static class Provider
    {
        static Provider() => SQLitePCL.raw.SetProvider(new SQLitePCL.SQLite3Provider_sqlite3());

        public static void Set()
        {
        }
    }

    /// <summary>
    /// What every connection sets for itself: how long to wait for a lock, how durable a commit is,
    /// how large the file may grow, and a page cache of 512 KiB instead of SQLite's 2 MB. The
    /// daemon reads each event's body once, in order, so a larger cache only held bodies it will
    /// not read again: about 1.3 MB of its peak memory while draining, for no fewer instructions
    /// (BENCHMARKS.md). A hook touches a dozen pages.
    /// </summary>
    private static string SessionPragmas(OutboxOptions options) => $"""
        PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds};
        PRAGMA synchronous = {(options.FullSync ? "FULL" : "NORMAL")};
        PRAGMA max_page_count = {Math.Max(64, options.MaxSizeBytes / PageSize)};
        PRAGMA cache_size = -512;
        """;

    /// <summary>
    /// Moves a damaged database aside. Serialised by a lock file, and re-checked under it: two
    /// processes that saw the same damage must not also move aside the fresh file the first made.
    /// Never while another process has the file open (<see cref="OutboxAttachment"/>): a hook
    /// that finds the damage under a running daemon leaves <see cref="DamageMarker"/> and wakes
    /// it; the daemon lets go of the file (<see cref="DamageReported"/>), and then whoever holds
    /// the lock moves it. Waits at most <see cref="OutboxOptions.BusyTimeout"/> for that.
    /// </summary>
    public static void Quarantine(string stateDir, string cause, OutboxOptions options)
    {
        var database = PathIn(stateDir);
        using var guard = FileLock.Acquire(Path.Combine(stateDir, "outbox.quarantine.lock"), options.BusyTimeout)
            ?? throw new OutboxException(OutboxProblem.Busy, $"{database} is damaged and another process is still repairing it");
        if (IsUsable(stateDir, options))
        {
            File.Delete(DamageMarker(stateDir));
            return;
        }
        // A pooled connection of this process would count as someone else holding it.
        SqliteConnection.ClearAllPools();
        WaitUntilNobodyElseHasIt(stateDir, cause, options.BusyTimeout);
        // Whoever let go of it may have checkpointed its WAL into it on the way out.
        if (!IsUsable(stateDir, options))
        {
            MoveAside(stateDir, cause);
        }
        File.Delete(DamageMarker(stateDir));
    }

    /// <summary>The file a process leaves when it found the outbox damaged while another had it open.</summary>
    public static string DamageMarker(string stateDir) => PathIn(stateDir) + ".damaged";

    /// <summary>Why the outbox was reported damaged, when a process reported it and it is not moved aside yet.</summary>
    public static string? DamageReported(string stateDir)
    {
        // Asked by the daemon at every turn of its loop: the usual answer costs one stat, not an exception.
        if (!File.Exists(DamageMarker(stateDir)))
        {
            return null;
        }
        try
        {
            return File.ReadAllText(DamageMarker(stateDir));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool IsUsable(string stateDir, OutboxOptions options)
    {
        try
        {
            using var again = OpenMigrated(stateDir, options);
            using var check = again.CreateCommand();
            check.CommandText = "PRAGMA quick_check";
            return check.ExecuteScalar() as string == "ok";
        }
        catch (SqliteException e) when (OutboxErrors.IsDamaged(e))
        {
            return false;
        }
    }

    private static void WaitUntilNobodyElseHasIt(string stateDir, string cause, TimeSpan wait)
    {
        if (!OutboxAttachment.OthersHaveOpen(PathIn(stateDir)))
        {
            return;
        }
        File.WriteAllText(DamageMarker(stateDir), cause);
        WakeSignal.Notify(stateDir);
        var deadline = DateTime.UtcNow + wait;
        while (OutboxAttachment.OthersHaveOpen(PathIn(stateDir)))
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new OutboxException(OutboxProblem.Busy,
                    $"{PathIn(stateDir)} is damaged ({cause}) and another process still has it open; 'hookrelay serve' moves it aside when it sees {DamageMarker(stateDir)}");
            }
            Thread.Sleep(20);
        }
    }

    private static void MoveAside(string stateDir, string cause)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var moved = $"{PathIn(stateDir)}.corrupt-{stamp}";
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(PathIn(stateDir) + suffix))
            {
                File.Move(PathIn(stateDir) + suffix, moved + suffix, overwrite: true);
            }
        }
        HookLog.Error($"outbox {PathIn(stateDir)} was not a usable database ({cause}); moved it to {moved} and started an empty one. Events in it were not delivered; 'sqlite3 {moved} .recover' may save them");
    }

    private static SqliteConnection OpenMigrated(string stateDir, OutboxOptions options)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = PathIn(stateDir),
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)options.BusyTimeout.TotalSeconds),
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, SessionPragmas(options));
            Migrate(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Migrate(SqliteConnection connection)
    {
        var version = UserVersion(connection);
        if (version == OutboxSchema.CurrentVersion)
        {
            return;
        }
        if (version > OutboxSchema.CurrentVersion)
        {
            throw new OutboxException(OutboxProblem.TooNew,
                $"{connection.DataSource} has schema version {version}, newer than this HookRelay understands ({OutboxSchema.CurrentVersion}); run the newer hookrelay or move the file aside");
        }
        if (version == 0)
        {
            // Both only take effect on a fresh file and cannot run inside a transaction.
            Execute(connection, $"PRAGMA page_size = {PageSize}; PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL;");
        }
        using var transaction = connection.BeginTransaction();
        // Another process may have migrated while we waited for the write lock.
        for (var step = UserVersion(connection); step < OutboxSchema.CurrentVersion; step++)
        {
            Execute(connection, OutboxSchema.Steps[(int)step]);
        }
        Execute(connection, $"PRAGMA user_version = {OutboxSchema.CurrentVersion}");
        transaction.Commit();
    }

    private static long UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void EnsureStateDir(string stateDir)
    {
        try
        {
            if (!Directory.Exists(stateDir))
            {
                Directory.CreateDirectory(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutboxException(OutboxProblem.Unavailable, $"cannot create the state directory {stateDir}: {e.Message}", e);
        }
    }
}
