namespace HookRelay.Outbox;

/// <summary>
/// The outbox tables, versioned through SQLite's user_version. Each step moves the database one
/// version up inside a transaction; a database newer than this build is refused, not guessed at.
/// </summary>
public static class OutboxSchema
{
    /// <summary>Delivery states as stored.</summary>
    public const int Pending = 0;
    public const int Delivered = 1;
    public const int Dead = 2;

    /// <summary>Step N (1-based) takes a database from version N-1 to N.</summary>
    public static readonly IReadOnlyList<string> Steps =
    [
        """
        CREATE TABLE events(
            id          INTEGER PRIMARY KEY,
            event_id    TEXT    NOT NULL UNIQUE,   -- the CloudEvent id: equal on every redelivery
            created_ms  INTEGER NOT NULL,
            type        TEXT    NOT NULL,
            subject     TEXT,
            body        BLOB    NOT NULL           -- the HookRecord: what Ganeti gave the hook (JSON)
        );
        CREATE TABLE deliveries(
            id             INTEGER PRIMARY KEY,    -- enqueue order, which delivery order follows per key
            event          INTEGER NOT NULL REFERENCES events(id),
            sink           TEXT    NOT NULL,
            routes         TEXT    NOT NULL,
            okey           TEXT    NOT NULL,       -- ordering key: events with one key reach a sink in order
            state          INTEGER NOT NULL DEFAULT 0,
            attempts       INTEGER NOT NULL DEFAULT 0,
            next_ms        INTEGER NOT NULL,
            lease_owner    TEXT,
            lease_until_ms INTEGER,
            last_error     TEXT,
            done_ms        INTEGER
        );
        CREATE INDEX deliveries_pending ON deliveries(id) WHERE state = 0;
        CREATE INDEX deliveries_finished ON deliveries(state, done_ms) WHERE state <> 0;
        CREATE INDEX deliveries_event ON deliveries(event);
        CREATE INDEX events_created ON events(created_ms);
        """,
        """
        -- Commands that send old rows again bump the generation, so the daemon reads the queue afresh.
        CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO meta VALUES ('requeue_generation', 0);
        """,
        """
        -- Events from any source (OutboxEnvelope): what the body is. Rows from before are hook records.
        ALTER TABLE events ADD COLUMN kind TEXT NOT NULL DEFAULT 'hook';
        ALTER TABLE events ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
        """,
    ];

    public static int CurrentVersion => Steps.Count;
}
