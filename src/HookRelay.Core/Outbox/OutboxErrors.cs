using Microsoft.Data.Sqlite;

namespace HookRelay.Outbox;

/// <summary>Turns SQLite's result codes into what they mean for an operator.</summary>
public static class OutboxErrors
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int NotADatabase = 26;
    private const int IoError = 10;

    private static bool DiskNearlyFull(string stateDir)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(stateDir)).AvailableFreeSpace < 256 * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    public static bool IsDamaged(SqliteException e) => e.SqliteErrorCode is Corrupt or NotADatabase;

    public static OutboxException Explain(SqliteException e, string stateDir) => e.SqliteErrorCode switch
    {
        // A full disk shows up as SQLITE_FULL on most writes, but as an I/O error when the WAL
        // index or a journal cannot grow: ask the file system before blaming the disk's health.
        IoError or CantOpen when DiskNearlyFull(stateDir) => new OutboxException(OutboxProblem.Full,
            $"the disk holding the outbox {OutboxDatabase.PathIn(stateDir)} is full ({e.Message})", e),
        Full => new OutboxException(OutboxProblem.Full,
            $"the outbox {OutboxDatabase.PathIn(stateDir)} is full: the disk has no space left or the database reached delivery.max_db_mb", e),
        Busy or Locked => new OutboxException(OutboxProblem.Busy,
            $"the outbox {OutboxDatabase.PathIn(stateDir)} stayed locked by another process longer than the hook could wait", e),
        CantOpen => new OutboxException(OutboxProblem.Unavailable,
            $"cannot open the outbox {OutboxDatabase.PathIn(stateDir)}: {e.Message}", e),
        _ => new OutboxException(OutboxProblem.Unavailable,
            $"the outbox {OutboxDatabase.PathIn(stateDir)} failed: {e.Message}", e),
    };
}
