using HookRelay.Outbox;

namespace HookRelay.Delivery;

/// <summary>One sink's room for new work in a scheduling round.</summary>
public sealed record LaneCapacity(int FreeSlots, long PausedUntilMs);

/// <summary>Rows of one (sink, key) to deliver in order on one worker.</summary>
public sealed record DeliveryGroup((string Sink, string Key) Key, IReadOnlyList<PendingDelivery> Rows);

/// <summary>
/// The daemon's picture of the pending rows, one ordered queue per (sink, key). The daemon is
/// the only deliverer of its outbox (the serve lock), so it reads each new row once instead of
/// rescanning the table every round. Only a key's oldest row may start, and only when it is due,
/// its key is not already out and its sink has a free slot and no pause; the due rows right
/// behind it go out after it on the same worker. A round costs what it starts, not what waits:
/// each sink keeps its startable keys ordered by their oldest row and the others by when they
/// fall due (<see cref="SinkKeys"/>), so a backlog spread over ten thousand instances is not
/// sorted again for every group that finishes.
/// Single-threaded: only the daemon loop touches it. Pure: no clock, no database.
/// </summary>
public sealed class DeliveryBacklog(int maxGroup)
{
    private readonly Dictionary<string, SinkKeys> _sinks = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> _inFlight = [];

    /// <summary>Rows held, in flight included.</summary>
    public int Count { get; private set; }

    /// <summary>The highest row id taken in; newer rows are read after it.</summary>
    public long LoadedUpTo { get; private set; }

    public int InFlightKeys => _inFlight.Count;

    /// <summary>Takes in rows in ascending id order.</summary>
    public void Add(IEnumerable<PendingDelivery> rows)
    {
        foreach (var row in rows)
        {
            if (!_sinks.TryGetValue(row.Sink, out var sink))
            {
                _sinks[row.Sink] = sink = new SinkKeys(row.Sink);
            }
            var queue = sink.Rows(row.OrderingKey);
            queue.Rows.AddLast(row);
            // A key that had no rows starts waiting now; one with rows keeps its place (its oldest row is unchanged).
            if (queue.Rows.Count == 1 && !_inFlight.Contains((row.Sink, row.OrderingKey)))
            {
                sink.Place(queue);
            }
            Count++;
            LoadedUpTo = Math.Max(LoadedUpTo, row.Id);
        }
    }

    /// <summary>Forgets every row (the outbox was changed behind the daemon's back); keys out stay out.</summary>
    public void Clear()
    {
        _sinks.Clear();
        Count = 0;
        LoadedUpTo = 0;
    }

    /// <summary>Removes and returns the rows of sinks that have no lane at all.</summary>
    public List<PendingDelivery> TakeUnknownSinks(IReadOnlySet<string> knownSinks)
    {
        var taken = new List<PendingDelivery>();
        foreach (var sink in _sinks.Values.Where(s => !knownSinks.Contains(s.Name)).ToList())
        {
            // A key out stays, with its rows, until its worker reports back.
            var removed = sink.RemoveKeys(key => !_inFlight.Contains((sink.Name, key)));
            taken.AddRange(removed);
            Count -= removed.Count;
            if (sink.IsEmpty)
            {
                _sinks.Remove(sink.Name);
            }
        }
        return taken;
    }

    /// <summary>Starts every group that may start now, each sink's oldest first; says when the next blocked key falls due.</summary>
    public List<DeliveryGroup> TakeDue(long nowMs, IReadOnlyDictionary<string, LaneCapacity> lanes, out long? nextDueMs)
    {
        long? due = null;
        var groups = new List<DeliveryGroup>();
        foreach (var sink in _sinks.Values)
        {
            if (!lanes.TryGetValue(sink.Name, out var lane))
            {
                continue; // A sink that exists but cannot be built: its rows wait.
            }
            sink.PromoteDue(nowMs);
            if (lane.PausedUntilMs > nowMs)
            {
                // Nothing starts before the pause ends, nor before its oldest waiting row is due.
                var resumes = sink.HasDue ? lane.PausedUntilMs : sink.NextWaitingMs is { } waiting ? Math.Max(waiting, lane.PausedUntilMs) : (long?)null;
                due = Earliest(due, resumes);
                continue;
            }
            due = Earliest(due, sink.NextWaitingMs);
            for (var free = lane.FreeSlots; free > 0 && sink.TakeOldestDue() is { } queue; free--)
            {
                var rows = new List<PendingDelivery>();
                for (var node = queue.Rows.First; node is not null && rows.Count < maxGroup && node.Value.NextMs <= nowMs; node = node.Next)
                {
                    rows.Add(node.Value);
                }
                _inFlight.Add((sink.Name, queue.Key));
                groups.Add(new DeliveryGroup((sink.Name, queue.Key), rows));
            }
        }
        nextDueMs = due;
        return groups;

        static long? Earliest(long? a, long? b) => a is { } x && b is { } y ? Math.Min(x, y) : a ?? b;
    }

    /// <summary>Records what became of a started group's rows; the key may start again.</summary>
    public void Finish((string Sink, string Key) key, IReadOnlyList<Outcome> outcomes)
    {
        _inFlight.Remove(key);
        if (!_sinks.TryGetValue(key.Sink, out var sink) || sink.Find(key.Key) is not { } queue)
        {
            return;
        }
        foreach (var outcome in outcomes)
        {
            var node = Find(queue.Rows, outcome.Id);
            if (node is null)
            {
                continue;
            }
            switch (outcome.Kind)
            {
                case OutcomeKind.Delivered or OutcomeKind.Dead:
                    queue.Rows.Remove(node);
                    Count--;
                    break;
                case OutcomeKind.Retry:
                    node.Value = node.Value with { Attempts = outcome.Attempts, NextMs = outcome.NextMs, LeaseUntilMs = null };
                    break;
            }
        }
        if (queue.Rows.Count == 0)
        {
            sink.Remove(queue);
            if (sink.IsEmpty)
            {
                _sinks.Remove(key.Sink);
            }
        }
        else
        {
            sink.Place(queue);
        }
    }

    // Finished rows are at the front of their queue, so this is short.
    private static LinkedListNode<PendingDelivery>? Find(LinkedList<PendingDelivery> queue, long id)
    {
        for (var node = queue.First; node is not null; node = node.Next)
        {
            if (node.Value.Id == id)
            {
                return node;
            }
        }
        return null;
    }
}
