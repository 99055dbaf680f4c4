using System.Text;
using System.Text.Json;
using HookRelay.Outbox;
using HookRelay.Tests.Support;
using Microsoft.Data.Sqlite;

namespace HookRelay.Tests.Outbox;

/// <summary>Events from any source: hook records and producer-rendered CloudEvents side by side, old rows still readable.</summary>
public sealed class OutboxEnvelopeTests : IDisposable
{
    private static readonly OutboxOptions Options = OutboxTestDir.HookOptions;
    private readonly OutboxTestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] JobEvent(string id = "job-4711-success") => Encoding.UTF8.GetBytes($$$"""
        {"specversion":"1.0","id":"{{{id}}}","source":"ganeti://cluster.lab.example","type":"org.ganeti.job.success","subject":"4711","data":{"job":4711}}
        """);

    private StoredEvent? Load(string eventId)
    {
        using var store = new OutboxStore(OutboxDatabase.Open(_dir.StateDir, Options));
        using var find = store.Connection.CreateCommand();
        find.CommandText = "SELECT id FROM events WHERE event_id = $id";
        find.Parameters.AddWithValue("$id", eventId);
        return store.LoadEvent((long)find.ExecuteScalar()!).Value;
    }

    [Fact]
    public void A_producer_rendered_cloudevent_is_stored_and_sent_byte_for_byte()
    {
        var document = JobEvent();
        var envelope = OutboxEnvelope.ForCloudEvent(document, orderingKey: "job-4711", DateTimeOffset.UtcNow);

        OutboxWriter.Enqueue(_dir.StateDir, Options, envelope, OutboxTestData.To("a", "b"));

        Assert.Equal(("org.ganeti.job.success", "4711"), (envelope.Type, envelope.Subject));
        var stored = Load("job-4711-success");
        Assert.Equal(document, stored!.Body);
        Assert.Equal("org.ganeti.job.success", stored.Type);
    }

    [Fact]
    public void An_event_queued_again_with_the_same_id_is_kept_once_with_its_first_deliveries()
    {
        // The job watcher after a crash reports the steps it had not saved as reported again, with the same ids.
        Assert.True(OutboxWriter.Enqueue(_dir.StateDir, Options, OutboxEnvelope.ForCloudEvent(JobEvent(), "job-4711", DateTimeOffset.UtcNow), OutboxTestData.To("a", "b")));

        Assert.False(OutboxWriter.Enqueue(_dir.StateDir, Options, OutboxEnvelope.ForCloudEvent(JobEvent(), "job-4711", DateTimeOffset.UtcNow), OutboxTestData.To("a", "c")));

        using var connection = new SqliteConnection($"Data Source={OutboxDatabase.PathIn(_dir.StateDir)}");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT (SELECT count(*) FROM events), (SELECT group_concat(sink, ',') FROM (SELECT sink FROM deliveries ORDER BY sink))";
        using var reader = count.ExecuteReader();
        reader.Read();
        Assert.Equal((1L, "a,b"), (reader.GetInt64(0), reader.GetString(1)));
    }

    [Fact]
    public void Hook_records_and_other_events_share_the_outbox_each_rendered_by_its_kind()
    {
        var record = OutboxTestData.Enqueue(_dir.StateDir, Options, OutboxTestData.To("a"));
        OutboxWriter.Enqueue(_dir.StateDir, Options, OutboxEnvelope.ForCloudEvent(JobEvent(), "job-4711", DateTimeOffset.UtcNow), OutboxTestData.To("a"));

        using var hookEvent = JsonDocument.Parse(Load(record.EventId)!.Body);
        Assert.Equal("org.ganeti.instance-migrate.post", hookEvent.RootElement.GetProperty("type").GetString());
        Assert.Equal("job-4711-success", JsonDocument.Parse(Load("job-4711-success")!.Body).RootElement.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("""{"id":"x","source":"s","type":"t"}""", "specversion")]
    [InlineData("""{"specversion":"1.0","id":"x","type":"t"}""", "source")]
    [InlineData("""{"specversion":"1.0","id":"","source":"s","type":"t"}""", "id")]
    [InlineData("""["not","an","object"]""", "specversion")]
    public void A_cloudevent_without_its_required_attributes_is_refused_at_enqueue(string document, string missing)
    {
        var e = Assert.Throws<FormatException>(() => OutboxEnvelope.ForCloudEvent(Encoding.UTF8.GetBytes(document), "k", DateTimeOffset.UtcNow));

        Assert.Contains($"'{missing}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_event_of_a_kind_this_build_cannot_read_is_not_sent_but_named()
    {
        var envelope = OutboxEnvelope.ForCloudEvent(JobEvent("from-the-future"), "k", DateTimeOffset.UtcNow) with { Kind = "reconcile", Format = 3 };
        OutboxWriter.Enqueue(_dir.StateDir, Options, envelope, OutboxTestData.To("a"));

        Assert.Null(Load("from-the-future"));
        var e = Assert.Throws<FormatException>(() => OutboxEnvelope.Render("reconcile", 3, []));
        Assert.Contains("reconcile format 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_queued_before_the_envelope_existed_are_migrated_and_still_delivered_as_hook_events()
    {
        // An outbox as the previous schema version left it, with a hook's row in it.
        var (record, ev) = OutboxTestData.Record();
        Directory.CreateDirectory(_dir.StateDir);
        using (var old = new SqliteConnection($"Data Source={OutboxDatabase.PathIn(_dir.StateDir)};Pooling=False"))
        {
            old.Open();
            using var build = old.CreateCommand();
            build.CommandText = $"""
                PRAGMA journal_mode = WAL;
                {OutboxSchema.Steps[0]}
                {OutboxSchema.Steps[1]}
                PRAGMA user_version = 2;
                INSERT INTO events(event_id, created_ms, type, subject, body) VALUES ($id, 1, 'org.ganeti.instance-migrate.post', 'web-1', $body);
                INSERT INTO deliveries(event, sink, routes, okey, next_ms) VALUES (1, 'a', 'route', 'web-1', 1);
                """;
            build.Parameters.AddWithValue("$id", record.EventId);
            build.Parameters.AddWithValue("$body", record.ToJsonUtf8());
            build.ExecuteNonQuery();
        }

        var stored = Load(record.EventId);

        using var connection = OutboxDatabase.Open(_dir.StateDir, Options);
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        Assert.Equal((long)OutboxSchema.CurrentVersion, version.ExecuteScalar());
        using var rendered = JsonDocument.Parse(stored!.Body);
        Assert.Equal(ev.Instance!.Name, rendered.RootElement.GetProperty("data").GetProperty("instance").GetProperty("name").GetString());
    }

    public static TheoryData<string> Captures() => Fixtures.Captures();

    /// <summary>
    /// The daemon copies a stored record's variables into the event's env as they were read: the
    /// hook wrote them with the encoder events are written with, so the event must be byte for
    /// byte the one encoding them again gives, whatever the variables hold.
    /// </summary>
    [Theory]
    [MemberData(nameof(Captures))]
    public void A_rendered_hook_record_is_byte_for_byte_the_event_encoded_afresh(string capture)
    {
        var record = Record(capture);
        foreach (var variables in new[] { record.Variables, Hostile(record.Variables, "<b>&'+`"), Hostile(record.Variables, "\"x\" \\ été 名前 🚀"), Hostile(record.Variables, "\u0001\u007f\n") })
        {
            var stored = (record with { Variables = variables }).ToJsonUtf8();
            var read = HookRecord.Parse(stored);
            Assert.NotNull(read.Variables.Json);
            Assert.Equal(variables, read.Variables);
            Assert.Equal(Encoding.UTF8.GetString(Afresh(read)), Encoding.UTF8.GetString(OutboxEnvelope.Render(OutboxEnvelope.Kinds.Hook, 1, stored)));
        }
    }

    [Fact]
    public void A_record_an_older_hookrelay_wrote_with_other_escapes_renders_the_same_event()
    {
        var record = Record("instance-migrate-post-node1-01");
        record = record with { Variables = Hostile(record.Variables, "noop+default <é>") };
        // The hook wrote its records with the default encoder until commit afea0e0: \u002B for '+', \u00E9 for 'é'.
        var old = Encoding.UTF8.GetString(record.ToJsonUtf8()).Replace("+", "\\u002B", StringComparison.Ordinal).Replace("é", "\\u00E9", StringComparison.Ordinal);
        Assert.Contains("\\u002B", old, StringComparison.Ordinal);
        var rendered = OutboxEnvelope.Render(OutboxEnvelope.Kinds.Hook, 1, Encoding.UTF8.GetBytes(old));
        using var expected = JsonDocument.Parse(Afresh(HookRecord.Parse(record.ToJsonUtf8())));
        using var actual = JsonDocument.Parse(rendered);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, actual.RootElement));
        Assert.Equal("noop+default <é>", actual.RootElement.GetProperty("data").GetProperty("env").GetProperty("GANETI_ZZ_HOSTILE").GetString());
    }

    private static HookRecord Record(string capture) =>
        HookRecord.For(HookRelay.Events.HookEventParser.Parse(Fixtures.Env(capture), Fixtures.Node(capture)), Fixtures.Node(capture), new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero));

    /// <summary>The event with env encoded from the variables, not copied.</summary>
    private static byte[] Afresh(HookRecord read)
    {
        var afresh = read with { Variables = HookRelay.Events.OrdinalDictionary.From(read.Variables.ToList()) };
        Assert.Null(afresh.Variables.Json);
        return afresh.ToCloudEvent().ToJsonUtf8();
    }

    private static HookRelay.Events.OrdinalDictionary Hostile(HookRelay.Events.OrdinalDictionary variables, string value) =>
        HookRelay.Events.OrdinalDictionary.From(variables.Append(KeyValuePair.Create("GANETI_ZZ_HOSTILE", value)).ToList());
}
