using HookRelay.Delivery;
using HookRelay.Outbox;

namespace HookRelay.Tests.Delivery;

public class DeliveryBacklogTests
{
    private const long Now = 1_800_000_000_000;

    private static PendingDelivery Row(long id, string key, string sink = "chat", long next = Now) =>
        new(id, id, sink, "r", key, 0, next, null, Now - 5000);

    private static Dictionary<string, LaneCapacity> Lanes(int slots = 4, long pausedUntil = 0) => new() { ["chat"] = new(slots, pausedUntil) };

    private static Dictionary<string, long[]> Started(List<DeliveryGroup> groups) =>
        groups.ToDictionary(g => g.Key.Key, g => g.Rows.Select(r => r.Id).ToArray());

    private static Outcome Delivered(long id) => new(id, OutcomeKind.Delivered, 1, Now, null);

    [Fact]
    public void Rows_of_one_key_go_out_as_one_ordered_group()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "b"), Row(3, "a"), Row(4, "a")]);
        var started = Started(backlog.TakeDue(Now, Lanes(), out _));
        Assert.Equal([1, 3, 4], started["a"]);
        Assert.Equal([2], started["b"]);
    }

    [Fact]
    public void A_key_whose_oldest_row_waits_in_backoff_sends_nothing_newer()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a", next: Now + 5000), Row(2, "a"), Row(3, "b")]);
        var started = Started(backlog.TakeDue(Now, Lanes(), out var due));
        Assert.Equal(["b"], started.Keys);
        Assert.Equal(Now + 5000, due);
    }

    [Fact]
    public void A_key_out_is_not_started_twice_until_it_is_finished()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a")]);
        Assert.Single(backlog.TakeDue(Now, Lanes(), out _));
        backlog.Add([Row(2, "a")]);
        Assert.Empty(backlog.TakeDue(Now, Lanes(), out _));
        backlog.Finish(("chat", "a"), [Delivered(1)]);
        Assert.Equal([2], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
        Assert.Equal(1, backlog.Count);
    }

    [Fact]
    public void A_retried_row_stays_first_and_holds_back_its_key_until_due()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "a")]);
        backlog.TakeDue(Now, Lanes(), out _);
        backlog.Finish(("chat", "a"), [new Outcome(1, OutcomeKind.Retry, 1, Now + 2000, "503"), Outcome.Released(Row(2, "a"))]);
        Assert.Empty(backlog.TakeDue(Now + 1000, Lanes(), out var due));
        Assert.Equal(Now + 2000, due);
        var group = Assert.Single(backlog.TakeDue(Now + 2000, Lanes(), out _));
        Assert.Equal([1L, 2L], group.Rows.Select(r => r.Id));
        Assert.Equal(1, group.Rows[0].Attempts);
    }

    [Fact]
    public void Dead_rows_leave_the_backlog()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "a")]);
        backlog.TakeDue(Now, Lanes(), out _);
        backlog.Finish(("chat", "a"), [new Outcome(1, OutcomeKind.Dead, 1, Now, "400"), Outcome.Released(Row(2, "a"))]);
        Assert.Equal([2], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void A_group_stops_at_a_row_that_is_not_due()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "a", next: Now + 1000), Row(3, "a")]);
        Assert.Equal([1], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void No_more_keys_start_than_the_sink_has_free_slots_oldest_first()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "c"), Row(2, "b"), Row(3, "a")]);
        Assert.Equal(["b", "c"], Started(backlog.TakeDue(Now, Lanes(slots: 2), out _)).Keys.Order());
    }

    [Fact]
    public void A_paused_sink_starts_nothing_and_says_when_it_resumes()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a")]);
        Assert.Empty(backlog.TakeDue(Now, Lanes(pausedUntil: Now + 30_000), out var due));
        Assert.Equal(Now + 30_000, due);
    }

    [Fact]
    public void Groups_are_bounded()
    {
        var backlog = new DeliveryBacklog(3);
        backlog.Add(Enumerable.Range(1, 10).Select(i => Row(i, "a")));
        Assert.Equal([1, 2, 3], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void Rows_of_a_sink_no_longer_configured_are_handed_back()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a", sink: "gone"), Row(2, "a")]);
        Assert.Equal(1, Assert.Single(backlog.TakeUnknownSinks(new HashSet<string> { "chat" })).Id);
        Assert.Equal([2], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void After_a_reload_a_key_still_out_is_not_started_again()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a")]);
        backlog.TakeDue(Now, Lanes(), out _);
        backlog.Clear();
        backlog.Add([Row(1, "a"), Row(2, "a")]);
        Assert.Empty(backlog.TakeDue(Now, Lanes(), out _));
        backlog.Finish(("chat", "a"), [Delivered(1)]);
        Assert.Equal([2], Started(backlog.TakeDue(Now, Lanes(), out _))["a"]);
    }

    [Fact]
    public void Each_sink_starts_its_own_oldest_keys_and_a_paused_one_holds_back_no_other()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a"), Row(2, "b", sink: "bus"), Row(3, "c"), Row(4, "d", sink: "bus"), Row(5, "e", sink: "bus")]);
        var lanes = new Dictionary<string, LaneCapacity> { ["chat"] = new(1, 0), ["bus"] = new(2, 0) };
        Assert.Equal([("bus", "b"), ("bus", "d"), ("chat", "a")], backlog.TakeDue(Now, lanes, out _).Select(g => g.Key).Order());

        lanes["chat"] = new(1, Now + 10_000);
        backlog.Finish(("chat", "a"), [Delivered(1)]);
        backlog.Finish(("bus", "b"), [Delivered(2)]);
        Assert.Equal([("bus", "e")], backlog.TakeDue(Now, lanes, out var due).Select(g => g.Key));
        Assert.Equal(Now + 10_000, due);
    }

    [Fact]
    public void Keys_waiting_in_backoff_start_oldest_row_first_once_due()
    {
        var backlog = new DeliveryBacklog(64);
        backlog.Add([Row(1, "a", next: Now + 3000), Row(2, "b", next: Now + 1000), Row(3, "c", next: Now + 2000)]);
        Assert.Empty(backlog.TakeDue(Now, Lanes(slots: 1), out var due));
        Assert.Equal(Now + 1000, due);
        // All three due, one slot: the key whose row is oldest goes first, whatever order they fell due in.
        Assert.Equal(["a"], backlog.TakeDue(Now + 3000, Lanes(slots: 1), out _).Select(g => g.Key.Key));
        Assert.Equal(["b"], backlog.TakeDue(Now + 3000, Lanes(slots: 1), out _).Select(g => g.Key.Key));
    }

    /// <summary>
    /// The backlog against the plainest statement of its rules (every key looked at, oldest row
    /// first, every round), through random rows, rounds, outcomes, clocks, pauses and reloads.
    /// </summary>
    [Fact]
    public void Starts_the_same_groups_as_looking_at_every_key_every_round()
    {
        var random = new Random(20261202);
        for (var trial = 0; trial < 200; trial++)
        {
            var backlog = new DeliveryBacklog(3);
            var model = new EveryKeyModel(3);
            var now = Now;
            var nextId = 1L;
            var outstanding = new List<DeliveryGroup>();
            for (var step = 0; step < 60; step++)
            {
                switch (random.Next(5))
                {
                    case 0 or 1:
                        var rows = Enumerable.Range(0, random.Next(1, 6)).Select(_ =>
                            Row(nextId++, "k" + random.Next(6), sink: random.Next(3) == 0 ? "bus" : "chat", next: now + (random.Next(3) == 0 ? random.Next(1, 4000) : 0))).ToList();
                        backlog.Add(rows);
                        model.Add(rows);
                        break;
                    case 2 when outstanding.Count > 0:
                        var done = outstanding[random.Next(outstanding.Count)];
                        outstanding.Remove(done);
                        var outcomes = new List<Outcome>();
                        foreach (var row in done.Rows)
                        {
                            outcomes.Add(random.Next(4) switch
                            {
                                0 => new Outcome(row.Id, OutcomeKind.Retry, row.Attempts + 1, now + random.Next(1, 5000), "503"),
                                1 => new Outcome(row.Id, OutcomeKind.Dead, row.Attempts + 1, now, "400"),
                                _ => Delivered(row.Id),
                            });
                            if (outcomes[^1].Kind == OutcomeKind.Retry)
                            {
                                outcomes.AddRange(done.Rows.SkipWhile(r => r.Id != row.Id).Skip(1).Select(Outcome.Released));
                                break;
                            }
                        }
                        backlog.Finish(done.Key, outcomes);
                        model.Finish(done.Key, outcomes);
                        break;
                    case 3 when random.Next(10) == 0:
                        // A reload: every row read again from the outbox, keys out stay out.
                        var held = model.Rows();
                        backlog.Clear();
                        model.Clear();
                        backlog.Add(held);
                        model.Add(held);
                        break;
                    default:
                        now += random.Next(0, 2500);
                        var lanes = new Dictionary<string, LaneCapacity>
                        {
                            ["chat"] = new(random.Next(0, 4), random.Next(5) == 0 ? now + random.Next(1, 3000) : 0),
                            ["bus"] = new(random.Next(0, 3), 0),
                        };
                        var started = backlog.TakeDue(now, lanes, out var due);
                        var expected = model.TakeDue(now, lanes, out var expectedDue);
                        Assert.Equal(Describe(expected), Describe(started));
                        Assert.Equal(expectedDue, due);
                        outstanding.AddRange(started);
                        break;
                }
                Assert.Equal(model.Count, backlog.Count);
            }
        }

        static string[] Describe(IEnumerable<DeliveryGroup> groups) =>
            [.. groups.Select(g => $"{g.Key.Sink}/{g.Key.Key}:{string.Join(",", g.Rows.Select(r => r.Id))}").Order(StringComparer.Ordinal)];
    }

    /// <summary>The backlog's rules as first written: every key looked at every round, oldest row first.</summary>
    private sealed class EveryKeyModel(int maxGroup)
    {
        private readonly Dictionary<(string, string), List<PendingDelivery>> _keys = [];
        private readonly HashSet<(string, string)> _inFlight = [];

        public int Count => _keys.Values.Sum(q => q.Count);

        public List<PendingDelivery> Rows() => [.. _keys.Values.SelectMany(q => q).OrderBy(r => r.Id)];

        public void Add(IEnumerable<PendingDelivery> rows)
        {
            foreach (var row in rows)
            {
                var key = (row.Sink, row.OrderingKey);
                if (!_keys.TryGetValue(key, out var queue))
                {
                    _keys[key] = queue = [];
                }
                queue.Add(row);
            }
        }

        public void Clear() => _keys.Clear();

        public List<DeliveryGroup> TakeDue(long nowMs, Dictionary<string, LaneCapacity> lanes, out long? nextDueMs)
        {
            long? due = null;
            var used = new Dictionary<string, int>();
            var groups = new List<DeliveryGroup>();
            foreach (var (key, queue) in _keys.Where(k => k.Value.Count > 0 && !_inFlight.Contains(k.Key)).OrderBy(k => k.Value[0].Id))
            {
                var head = queue[0];
                var lane = lanes[head.Sink];
                if (head.NextMs > nowMs || lane.PausedUntilMs > nowMs)
                {
                    var at = Math.Max(head.NextMs, lane.PausedUntilMs);
                    due = due is { } d ? Math.Min(d, at) : at;
                    continue;
                }
                var slots = used.GetValueOrDefault(head.Sink);
                if (slots >= lane.FreeSlots)
                {
                    continue;
                }
                used[head.Sink] = slots + 1;
                _inFlight.Add(key);
                groups.Add(new DeliveryGroup(key, [.. queue.TakeWhile(r => r.NextMs <= nowMs).Take(maxGroup)]));
            }
            nextDueMs = due;
            return groups;
        }

        public void Finish((string Sink, string Key) key, IReadOnlyList<Outcome> outcomes)
        {
            _inFlight.Remove(key);
            if (!_keys.TryGetValue(key, out var queue))
            {
                return;
            }
            foreach (var outcome in outcomes)
            {
                var at = queue.FindIndex(r => r.Id == outcome.Id);
                if (at < 0)
                {
                    continue;
                }
                if (outcome.Kind is OutcomeKind.Delivered or OutcomeKind.Dead)
                {
                    queue.RemoveAt(at);
                }
                else if (outcome.Kind == OutcomeKind.Retry)
                {
                    queue[at] = queue[at] with { Attempts = outcome.Attempts, NextMs = outcome.NextMs, LeaseUntilMs = null };
                }
            }
            if (queue.Count == 0)
            {
                _keys.Remove(key);
            }
        }
    }
}
