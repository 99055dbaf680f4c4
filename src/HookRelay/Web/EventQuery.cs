using System.Text.Json;
using HookRelay.Outbox;
using HookRelay.Sinks.Messages;
using Microsoft.Data.Sqlite;

namespace HookRelay.Web;

/// <summary>
/// The events this node's outbox holds (those a route, an action or a gate's verdict queued; kept
/// as long as delivery.keep_delivered and keep_dead say), rendered as the sinks get them, each with
/// what became of its deliveries. What /api/events, the stream and the timelines answer with.
/// </summary>
/// <param name="jobs">The daemon's job join, so an event reads here as its sinks get it.</param>
public sealed class EventQuery(string stateDir, HookRelay.Events.IJobJoin? jobs = null)
{
    public const int MaxLimit = 500;

    /// <param name="Instance">The event's subject: the instance (or node, group, network) it is about.</param>
    /// <param name="Hook">A hooks path: its pre and post events.</param>
    /// <param name="BeforeRow">Paging: only events older than this row (the previous page's "next").</param>
    /// <param name="AfterRow">The stream: only events newer than this row.</param>
    public sealed record Filter(string? Instance = null, string? Hook = null, string? Phase = null, long? SinceMs = null,
        long? BeforeRow = null, long? AfterRow = null, int Limit = 50, bool OldestFirst = false);

    /// <summary>One event: its row (the paging cursor and the stream's event id), the CloudEvent, its deliveries, its default sentence.</summary>
    public sealed record Item(long Row, byte[] CloudEvent, string Text, IReadOnlyList<Delivery> Deliveries);

    public sealed record Delivery(string Sink, string State, int Attempts, string? LastError, long? DoneMs);

    public List<Item> Find(Filter filter)
    {
        using var connection = OutboxDatabase.OpenReadOnly(stateDir);
        if (connection is null)
        {
            return [];
        }
        var rows = ReadEvents(connection, filter);
        var deliveries = ReadDeliveries(connection, rows.Select(r => r.Row));
        var items = new List<Item>(rows.Count);
        foreach (var (row, kind, format, body) in rows)
        {
            byte[] cloudEvent;
            try
            {
                cloudEvent = OutboxEnvelope.Render(kind, format, body, jobs);
            }
            catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
            {
                continue; // Unreadable here as in delivery: the daemon's log says which.
            }
            using var view = new EventView(cloudEvent);
            items.Add(new Item(row, cloudEvent, DefaultMessages.For(view).Render(TextFormat.Plain), deliveries.GetValueOrDefault(row) ?? []));
        }
        return items;
    }

    private static List<(long Row, string Kind, int Format, byte[] Body)> ReadEvents(SqliteConnection connection, Filter filter)
    {
        using var command = connection.CreateCommand();
        var where = new List<string>();
        if (filter.Instance is { } instance)
        {
            where.Add("subject = $instance COLLATE NOCASE");
            command.Parameters.AddWithValue("$instance", instance);
        }
        if (filter.Hook is { } hook)
        {
            where.Add(filter.Phase is null ? "type IN ($type_pre, $type_post)" : "type = $type");
            command.Parameters.AddWithValue("$type_pre", $"org.ganeti.{hook}.pre");
            command.Parameters.AddWithValue("$type_post", $"org.ganeti.{hook}.post");
            command.Parameters.AddWithValue("$type", $"org.ganeti.{hook}.{filter.Phase}");
        }
        else if (filter.Phase is { } phase)
        {
            where.Add("type LIKE 'org.ganeti.%.' || $phase");
            command.Parameters.AddWithValue("$phase", phase);
        }
        Add(where, command, "created_ms >= $since", "$since", filter.SinceMs);
        Add(where, command, "id < $before", "$before", filter.BeforeRow);
        Add(where, command, "id > $after", "$after", filter.AfterRow);
        // Newest first for a page; a timeline and the stream read forwards in time.
        command.CommandText = $"""
            SELECT id, kind, format, body FROM (
                SELECT id, kind, format, body FROM events {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))}
                ORDER BY id {(filter.OldestFirst && filter.AfterRow is not null ? "ASC" : "DESC")} LIMIT $limit)
            ORDER BY id {(filter.OldestFirst ? "ASC" : "DESC")}
            """;
        command.Parameters.AddWithValue("$limit", Math.Clamp(filter.Limit, 1, MaxLimit));
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string, int, byte[])>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetFieldValue<byte[]>(3)));
        }
        return rows;
    }

    private static void Add(List<string> where, SqliteCommand command, string clause, string name, long? value)
    {
        if (value is { } given)
        {
            where.Add(clause);
            command.Parameters.AddWithValue(name, given);
        }
    }

    private static Dictionary<long, List<Delivery>> ReadDeliveries(SqliteConnection connection, IEnumerable<long> rows)
    {
        var byEvent = new Dictionary<long, List<Delivery>>();
        var ids = string.Join(",", rows);
        if (ids.Length == 0)
        {
            return byEvent;
        }
        using var command = connection.CreateCommand();
        // Row ids are integers this process read a moment ago: safe to write into the statement.
        command.CommandText = $"SELECT event, sink, state, attempts, last_error, done_ms FROM deliveries WHERE event IN ({ids}) ORDER BY id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var state = reader.GetInt32(2) switch
            {
                OutboxSchema.Delivered => "delivered",
                OutboxSchema.Dead => "dead",
                _ => reader.GetInt32(3) > 0 ? "retrying" : "pending",
            };
            var delivery = new Delivery(reader.GetString(1), state, reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5));
            var list = byEvent.TryGetValue(reader.GetInt64(0), out var known) ? known : byEvent[reader.GetInt64(0)] = [];
            list.Add(delivery);
        }
        return byEvent;
    }
}
