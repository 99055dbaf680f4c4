using HookRelay.Outbox;

namespace HookRelay.Delivery;

/// <summary>One (sink, key)'s rows in id order, as <see cref="SinkKeys"/> holds them.</summary>
internal sealed class KeyRows(string key)
{
    public string Key { get; } = key;

    public LinkedList<PendingDelivery> Rows { get; } = new();

    /// <summary>Bumped each time the key is placed or taken: a waiting entry made before is stale.</summary>
    public int Placement { get; set; }

    public bool IsDue { get; set; }
}

/// <summary>
/// One sink's keys for <see cref="DeliveryBacklog"/>: those whose oldest row is due, ordered by
/// that row's id (the order they start in), and those waiting for it (backoff, or just taken in),
/// ordered by when it falls due. A key out on a worker is in neither until it is placed again.
/// </summary>
internal sealed class SinkKeys(string name)
{
    private static readonly Comparer<KeyRows> ByOldestRow = Comparer<KeyRows>.Create((a, b) => a.Rows.First!.Value.Id.CompareTo(b.Rows.First!.Value.Id));

    private readonly Dictionary<string, KeyRows> _keys = new(StringComparer.Ordinal);
    private readonly SortedSet<KeyRows> _due = new(ByOldestRow);
    private readonly PriorityQueue<(KeyRows Queue, int Placement), long> _waiting = new();

    public string Name { get; } = name;

    public bool IsEmpty => _keys.Count == 0;

    public bool HasDue => _due.Count > 0;

    /// <summary>When the first waiting key falls due (an entry gone stale may make it early: one look too many, never one too few).</summary>
    public long? NextWaitingMs => _waiting.TryPeek(out _, out var at) ? at : null;

    public KeyRows Rows(string key)
    {
        if (!_keys.TryGetValue(key, out var queue))
        {
            _keys[key] = queue = new KeyRows(key);
        }
        return queue;
    }

    public KeyRows? Find(string key) => _keys.GetValueOrDefault(key);

    /// <summary>
    /// Puts a key among the waiting, by its oldest row's due time. Only for a key that has rows and
    /// is not out on a worker (the backlog's to know): a key out is placed again when it is done.
    /// </summary>
    public void Place(KeyRows queue)
    {
        Unplace(queue);
        _waiting.Enqueue((queue, queue.Placement), queue.Rows.First!.Value.NextMs);
    }

    /// <summary>Moves the waiting keys whose oldest row is due by <paramref name="nowMs"/> among the due.</summary>
    public void PromoteDue(long nowMs)
    {
        while (_waiting.TryPeek(out var entry, out var at) && at <= nowMs)
        {
            _waiting.Dequeue();
            var (queue, placement) = entry;
            // Placed, taken or removed since: that entry is stale.
            if (placement == queue.Placement)
            {
                queue.IsDue = true;
                _due.Add(queue);
            }
        }
    }

    /// <summary>Takes the due key with the oldest row, or null; the key is placed again when its worker is done.</summary>
    public KeyRows? TakeOldestDue()
    {
        if (_due.Min is not { } queue)
        {
            return null;
        }
        Unplace(queue);
        return queue;
    }

    public void Remove(KeyRows queue)
    {
        Unplace(queue);
        _keys.Remove(queue.Key);
    }

    /// <summary>Removes the keys <paramref name="which"/> selects and returns their rows.</summary>
    public List<PendingDelivery> RemoveKeys(Func<string, bool> which)
    {
        var removed = new List<PendingDelivery>();
        foreach (var queue in _keys.Values.Where(q => which(q.Key)).ToList())
        {
            removed.AddRange(queue.Rows);
            Remove(queue);
        }
        return removed;
    }

    // Out of the due set, and any waiting entry made stale.
    private void Unplace(KeyRows queue)
    {
        if (queue.IsDue)
        {
            _due.Remove(queue);
            queue.IsDue = false;
        }
        queue.Placement++;
    }
}
