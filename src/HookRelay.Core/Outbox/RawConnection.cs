using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace HookRelay.Outbox;

/// <summary>
/// A SQLite connection straight through SQLitePCL.raw, for queuing an event: what every hook run
/// that sends something does. A Microsoft.Data.Sqlite connection cost such a run about 0.4 ms
/// that SQLite itself never spends (BENCHMARKS.md): its class constructor looks SQLitePCL's
/// batteries up by assembly name, its pool starts the runtime's timer thread to prune, and its
/// connection string goes through regular expressions. Failures are thrown as the
/// <see cref="SqliteException"/> Microsoft.Data.Sqlite throws, so <see cref="OutboxErrors"/>
/// reads them alike.
/// </summary>
internal sealed class RawConnection : IDisposable
{
    private readonly sqlite3 _db;

    private RawConnection(sqlite3 db) => _db = db;

    public static RawConnection Open(string path)
    {
        var rc = raw.sqlite3_open_v2(path, out var db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_CREATE, null);
        if (rc != raw.SQLITE_OK)
        {
            using (db)
            {
                SqliteException.ThrowExceptionForRC(rc, db);
            }
        }
        return new RawConnection(db);
    }

    public void Execute(string sql) => Check(raw.sqlite3_exec(_db, sql));

    /// <summary>The first column of the first row, or null when there is no row.</summary>
    public long? Scalar(string sql)
    {
        using var statement = Prepare(sql);
        return statement.Step() ? statement.Int64(0) : null;
    }

    public Statement Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
        return new Statement(this, statement);
    }

    private void Check(int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    /// <summary>Closing rolls back a transaction still open, as SQLite does on close.</summary>
    public void Dispose() => _db.Dispose();

    /// <summary>One prepared statement; parameters by position, from 1.</summary>
    public sealed class Statement(RawConnection connection, sqlite3_stmt statement) : IDisposable
    {
        public Statement Bind(int position, string? value)
        {
            connection.Check(value is null ? raw.sqlite3_bind_null(statement, position) : raw.sqlite3_bind_text(statement, position, value));
            return this;
        }

        public Statement Bind(int position, long value)
        {
            connection.Check(raw.sqlite3_bind_int64(statement, position, value));
            return this;
        }

        public Statement Bind(int position, ReadOnlySpan<byte> value)
        {
            connection.Check(raw.sqlite3_bind_blob(statement, position, value));
            return this;
        }

        /// <summary>True with a row to read, false when the statement is done.</summary>
        public bool Step()
        {
            var rc = raw.sqlite3_step(statement);
            connection.Check(rc);
            return rc == raw.SQLITE_ROW;
        }

        public long Int64(int column) => raw.sqlite3_column_int64(statement, column);

        /// <summary>Ready to run again with new parameters (the ones not bound again are kept).</summary>
        public void Reset() => connection.Check(raw.sqlite3_reset(statement));

        public void Dispose() => statement.Dispose();
    }
}
