using HookRelay.Events;
using HookRelay.Outbox;
using HookRelay.Tests.Support;
using Microsoft.Data.Sqlite;

namespace HookRelay.Tests.Outbox;

public sealed class OutboxWriterTests : IDisposable
{
    private static readonly OutboxOptions Options = OutboxTestDir.HookOptions;
    private readonly OutboxTestDir _dir = new();

    private string StateDir => _dir.StateDir;

    public void Dispose() => _dir.Dispose();

    private List<(string Sink, string Routes, string Key, string EventId)> Rows()
    {
        using var connection = OutboxDatabase.Open(StateDir, Options);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT d.sink, d.routes, d.okey, e.event_id FROM deliveries d JOIN events e ON e.id = d.event ORDER BY d.id";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }
        return rows;
    }

    [Fact]
    public void One_row_per_sink_sharing_one_stored_event()
    {
        var record = OutboxTestData.Enqueue(StateDir, Options, OutboxTestData.To("chat", "grafana"));
        var rows = Rows();
        Assert.Equal(["chat", "grafana"], rows.Select(r => r.Sink));
        Assert.All(rows, r => Assert.Equal(record.EventId, r.EventId));
    }

    [Fact]
    public void Two_routes_to_one_sink_queue_it_once_naming_both_routes()
    {
        OutboxTestData.Enqueue(StateDir, Options, [new("a", "chat"), new("b", "chat")]);
        var row = Assert.Single(Rows());
        Assert.Equal("a,b", row.Routes);
    }

    [Fact]
    public void Events_of_one_instance_share_a_key_and_go_out_in_the_order_they_were_queued()
    {
        OutboxTestData.Enqueue(StateDir, Options, OutboxTestData.To("chat"));
        OutboxTestData.Enqueue(StateDir, Options, OutboxTestData.To("chat"), "instance-reboot-post-node1-01", env => env["GANETI_INSTANCE_NAME"] = "db-1.lab.example");
        OutboxTestData.Enqueue(StateDir, Options, OutboxTestData.To("chat"), "instance-reboot-post-node1-01", env => env["GANETI_INSTANCE_NAME"] = "web-1.lab.example");
        OutboxTestData.Enqueue(StateDir, Options, OutboxTestData.To("chat"), "cluster-verify-post-node1-01");
        // An event without an instance is ordered by its target (cluster-verify's: the cluster).
        Assert.Equal(["web-1.lab.example", "db-1.lab.example", "web-1.lab.example", "cluster.lab.example"], Rows().Select(r => r.Key));

        // What the daemon does with the keys: web-1's two events leave as one group, in queue order,
        // while db-1 and the cluster event are not held behind them.
        using var store = OutboxStore.Open(StateDir, OutboxDatabase.DefaultMaxSizeBytes);
        var pending = store.ScanPending(0, 10);
        var backlog = new HookRelay.Delivery.DeliveryBacklog(64);
        backlog.Add(pending);
        var groups = backlog.TakeDue(long.MaxValue, new Dictionary<string, HookRelay.Delivery.LaneCapacity> { ["chat"] = new(4, 0) }, out _)
            .ToDictionary(g => g.Key.Key, g => g.Rows.Select(r => r.Id).ToArray(), StringComparer.Ordinal);
        Assert.Equal(["cluster.lab.example", "db-1.lab.example", "web-1.lab.example"], groups.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([pending[0].Id, pending[2].Id], groups["web-1.lab.example"]);
    }

    [Fact]
    public void What_goes_out_is_the_cloudevent_the_hook_would_have_built()
    {
        var (record, ev) = OutboxTestData.Record();
        OutboxWriter.Enqueue(StateDir, Options, record, ev, OutboxTestData.To("chat"));
        using var store = OutboxStore.Open(StateDir, OutboxDatabase.DefaultMaxSizeBytes);
        var row = Assert.Single(store.ScanPending(0, 10));
        var stored = store.LoadEvent(row.EventRow).Value!;
        var expected = new CloudEvent(record.EventId, record.Time, OpKey.Compute(ev.Env), ev);
        Assert.Equal(expected.ToJsonUtf8(), stored.Body);
        Assert.Equal("org.ganeti.instance-migrate.post", stored.Type);
    }

    [Fact]
    public void The_stored_record_keeps_every_variable_hostile_ones_included()
    {
        var (record, _) = OutboxTestData.Record();
        record = record with { Gates = [new GateResult("naming", "deny", false, "instance 'x\"y' does not match ^[a-z]+$"), new GateResult("opa", "timeout", true, "slow; on_error: allow")] };
        var variables = new SortedDictionary<string, string>(record.Variables.ToDictionary(), StringComparer.Ordinal)
        {
            ["GANETI_INSTANCE_TAGS"] = "a\"b\n`c` 名前 \u0000 ${x}",
            ["GANETI_BIG"] = new string('x', 1_000_000),
            ["GANETI_NOM_é\"x"] = "True",
        };
        record = record with { Variables = variables };
        var back = HookRecord.Parse(record.ToJsonUtf8());
        Assert.Equal(record.Variables, back.Variables);
        Assert.Equal(record.Time, back.Time);
        Assert.Equal(record.EventId, back.EventId);
        Assert.Equal(record.Node, back.Node);
        Assert.Equal(record.Gates, back.Gates);
    }
}
