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

    /// <summary>Another process with the outbox open in WAL mode (python's sqlite3: not our code) until its stdin closes.</summary>
    private async Task<System.Diagnostics.Process> HoldOpenElsewhere()
    {
        OutboxTestData.Enqueue(StateDir, Options, OutboxTestData.To("a"));
        var holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3")
        {
            ArgumentList = { "-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('SELECT COUNT(*) FROM deliveries').fetchall()\nprint('open', flush=True)\nsys.stdin.read()", OutboxDatabase.PathIn(StateDir) },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        Assert.Equal("open", await holder.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));
        return holder;
    }

    private void Damage()
    {
        var outbox = OutboxDatabase.PathIn(StateDir);
        File.WriteAllBytes(outbox, Enumerable.Repeat((byte)'x', (int)new FileInfo(outbox).Length).ToArray());
    }

    [Fact]
    public async Task A_damaged_outbox_another_process_has_open_is_left_in_place_and_reported()
    {
        using var holder = await HoldOpenElsewhere();
        Damage();

        var e = Assert.Throws<OutboxException>(() =>
            OutboxTestData.Enqueue(StateDir, Options with { BusyTimeout = TimeSpan.FromMilliseconds(300) }, OutboxTestData.To("b")));

        Assert.Equal(OutboxProblem.Busy, e.Problem);
        Assert.Contains("another process still has it open", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(StateDir, "outbox.db.corrupt-*"));
        Assert.True(File.Exists(OutboxDatabase.PathIn(StateDir) + "-shm"));
        Assert.Contains("not a database", OutboxDatabase.DamageReported(StateDir), StringComparison.Ordinal);
        holder.StandardInput.Close();
        await holder.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_damaged_outbox_is_moved_aside_once_the_other_process_lets_go_and_the_event_is_queued()
    {
        using var holder = await HoldOpenElsewhere();
        Damage();
        var release = Task.Run(async () =>
        {
            await Task.Delay(300, TestContext.Current.CancellationToken);
            holder.StandardInput.Close();
        }, TestContext.Current.CancellationToken);

        OutboxTestData.Enqueue(StateDir, Options with { BusyTimeout = TimeSpan.FromSeconds(20) }, OutboxTestData.To("b"));

        await release;
        Assert.Single(Directory.GetFiles(StateDir, "outbox.db.corrupt-*"), f => f.EndsWith('Z'));
        Assert.Null(OutboxDatabase.DamageReported(StateDir));
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
