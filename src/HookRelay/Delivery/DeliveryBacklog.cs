using HookRelay.Outbox;

namespace HookRelay.Delivery;

/// <summary>One sink's room for new work in a scheduling round.</summary>
public sealed record LaneCapacity(int FreeSlots, long PausedUntilMs);

/// <summary>Rows of one (sink, key) to deliver in order on one worker.</summary>
public sealed record DeliveryGroup((string Sink, string Key) Key, IReadOnlyList<PendingDelivery> Rows);

/// <summary>
/// The daemon's picture of the pending rows, one ordered queue per (sink, key). The daemon is
/// the only deliverer of its outbox (the serve lock), so it reads each new row once instead of
/// rescanning the table every round: scheduling costs O(keys), not O(backlog). Only a key's
/// oldest row may start, and only when it is due, its key is not already out and its sink has a
/// free slot and no pause; the due rows right behind it go out after it on the same worker.
/// Single-threaded: only the daemon loop touches it. Pure: no clock, no database.
/// </summary>
public sealed class DeliveryBacklog(int maxGroup)
{
    private readonly Dictionary<(string, string), LinkedList<PendingDelivery>> _keys = [];
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
            var key = (row.Sink, row.OrderingKey);
            if (!_keys.TryGetValue(key, out var queue))
            {
                _keys[key] = queue = new LinkedList<PendingDelivery>();
            }
            queue.AddLast(row);
            Count++;
            LoadedUpTo = Math.Max(LoadedUpTo, row.Id);
        }
    }

    /// <summary>Forgets every row (the outbox was changed behind the daemon's back); keys out stay out.</summary>
    public void Clear()
    {
        _keys.Clear();
        Count = 0;
        LoadedUpTo = 0;
    }

    /// <summary>Removes and returns the rows of sinks that have no lane at all.</summary>
    public List<PendingDelivery> TakeUnknownSinks(IReadOnlySet<string> knownSinks)
    {
        var taken = new List<PendingDelivery>();
        foreach (var (key, queue) in _keys.Where(k => !knownSinks.Contains(k.Key.Item1) && !_inFlight.Contains(k.Key)).ToList())
        {
            taken.AddRange(queue);
            Count -= queue.Count;
            _keys.Remove(key);
        }
        return taken;
    }

    /// <summary>Starts every group that may start now, oldest first; says when the next blocked key falls due.</summary>
    public List<DeliveryGroup> TakeDue(long nowMs, IReadOnlyDictionary<string, LaneCapacity> lanes, out long? nextDueMs)
    {
        long? due = null;
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<DeliveryGroup>();
        var candidates = _keys.Where(k => k.Value.Count > 0 && !_inFlight.Contains(k.Key)).OrderBy(k => k.Value.First!.Value.Id);
        foreach (var (key, queue) in candidates)
        {
            var head = queue.First!.Value;
            if (!lanes.TryGetValue(head.Sink, out var lane))
            {
                continue; // A sink that exists but cannot be built: its rows wait.
            }
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
            var rows = new List<PendingDelivery>();
            for (var node = queue.First; node is not null && rows.Count < maxGroup && node.Value.NextMs <= nowMs; node = node.Next)
            {
                rows.Add(node.Value);
            }
            _inFlight.Add(key);
            groups.Add(new DeliveryGroup(key, rows));
        }
        nextDueMs = due;
        return groups;
    }

    /// <summary>Applies a finished group's outcomes: delivered and dead rows leave, a retried row waits at the head.</summary>
    public void Finish((string Sink, string Key) key, IReadOnlyList<Outcome> outcomes)
    {
        _inFlight.Remove(key);
        if (!_keys.TryGetValue(key, out var queue))
        {
            return;
        }
        foreach (var outcome in outcomes)
        {
            var node = Find(queue, outcome.Id);
            if (node is null)
            {
                continue;
            }
            switch (outcome.Kind)
            {
                case OutcomeKind.Delivered or OutcomeKind.Dead:
                    queue.Remove(node);
                    Count--;
                    break;
                case OutcomeKind.Retry:
                    node.Value = node.Value with { Attempts = outcome.Attempts, NextMs = outcome.NextMs, LeaseUntilMs = null };
                    break;
            }
        }
        if (queue.Count == 0)
        {
            _keys.Remove(key);
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
