using HookRelay.Outbox;
using HookRelay.Tests.Support;
using Microsoft.Data.Sqlite;

namespace HookRelay.Tests.Outbox;

/// <summary>The outbox file itself: created migrated and in WAL mode, and never a crash loop when damaged.</summary>
public sealed class OutboxDatabaseTests : IDisposable
{
    private static readonly OutboxOptions Options = OutboxTestDir.HookOptions;
    private readonly OutboxTestDir _dir = new();

    private string StateDir => _dir.StateDir;

    public void Dispose() => _dir.Dispose();

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public void A_new_outbox_is_created_in_wal_mode_at_the_current_schema_version()
    {
        using var connection = OutboxDatabase.Open(StateDir, Options);
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal((long)OutboxSchema.CurrentVersion, Scalar(connection, "PRAGMA user_version"));
        Assert.Equal(2L, Scalar(connection, "PRAGMA synchronous")); // FULL for the hook
        Assert.Equal(0L, Scalar(connection, "SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public void Opening_again_keeps_what_is_queued()
    {
        OutboxTestData.Enqueue(StateDir, Options, OutboxTestData.To("a", "b"));
        using var connection = OutboxDatabase.Open(StateDir, Options);
        Assert.Equal(2L, Scalar(connection, "SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public void A_database_from_a_newer_hookrelay_is_refused_and_left_alone()
    {
        using (var connection = OutboxDatabase.Open(StateDir, Options))
        {
            Scalar(connection, "PRAGMA user_version = 99");
        }
        var e = Assert.Throws<OutboxException>(() => OutboxDatabase.Open(StateDir, Options));
        Assert.Equal(OutboxProblem.TooNew, e.Problem);
        Assert.Contains("schema version 99", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(StateDir, "*.corrupt-*"));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_moved_aside_and_replaced()
    {
        Directory.CreateDirectory(StateDir);
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(OutboxDatabase.PathIn(StateDir), garbage);

        OutboxTestData.Enqueue(StateDir, Options, OutboxTestData.To("a"));

        var moved = Assert.Single(Directory.GetFiles(StateDir, "outbox.db.corrupt-*"));
        Assert.Equal(garbage, File.ReadAllBytes(moved));
        using var connection = OutboxDatabase.Open(StateDir, Options);
        Assert.Equal(1L, Scalar(connection, "SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public void The_size_limit_makes_enqueue_fail_as_full_with_a_clear_message()
    {
        var tiny = Options with { MaxSizeBytes = 64 * 4096 };
        var e = Assert.Throws<OutboxException>(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                OutboxTestData.Enqueue(StateDir, tiny, OutboxTestData.To("a"));
            }
        });
        Assert.Equal(OutboxProblem.Full, e.Problem);
        Assert.Contains("max_db_mb", e.Message, StringComparison.Ordinal);
        // What was queued before the limit is all still there and readable.
        using var connection = OutboxDatabase.Open(StateDir, Options);
        Assert.True((long)Scalar(connection, "SELECT COUNT(*) FROM deliveries")! > 10);
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
    }
}
