using HookRelay.Outbox;

namespace HookRelay.Delivery;

/// <summary>One sink's room for new work in a scheduling round.</summary>
public sealed record LaneCapacity(int FreeSlots, long PausedUntilMs);

/// <summary>
/// Chooses what to deliver next from pending rows in enqueue order, keeping each (sink, key)
/// strictly ordered: only a key's oldest pending row may start, and only if it is due, not
/// leased and its sink has a free slot and is not paused. Rows right behind it join its group
/// and go out after it, in order, on the same worker. Pure: no clock, no database.
/// </summary>
public sealed class DeliveryScheduler(long nowMs, IReadOnlyDictionary<string, LaneCapacity> lanes, IReadOnlySet<(string Sink, string Key)> inFlight, int maxGroup)
{
    private readonly Dictionary<(string, string), List<PendingDelivery>> _groups = [];
    private readonly HashSet<(string, string)> _blocked = [];
    private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);
    private readonly List<PendingDelivery> _unknownSink = [];

    public IEnumerable<KeyValuePair<(string Sink, string Key), List<PendingDelivery>>> Groups => _groups;

    /// <summary>Rows whose sink is no longer configured: the caller dead-letters them.</summary>
    public IReadOnlyList<PendingDelivery> UnknownSink => _unknownSink;

    /// <summary>When a blocked key or paused sink is next due (ms), for the caller's sleep.</summary>
    public long? NextDueMs { get; private set; }

    /// <summary>Whether any sink could still take another group; when none can, scanning can stop.</summary>
    public bool HasFreeSlots => lanes.Any(l => l.Value.FreeSlots - _used.GetValueOrDefault(l.Key) > 0 && l.Value.PausedUntilMs <= nowMs);

    /// <summary>Feeds rows in ascending id order (the caller pages through the pending rows).</summary>
    public void Consider(IEnumerable<PendingDelivery> rows)
    {
        foreach (var row in rows)
        {
            var key = (row.Sink, row.OrderingKey);
            if (_blocked.Contains(key))
            {
                continue;
            }
            if (_groups.TryGetValue(key, out var group))
            {
                if (group.Count < maxGroup && row.NextMs <= nowMs && row.LeaseUntilMs is null)
                {
                    group.Add(row);
                }
                else
                {
                    _blocked.Add(key);
                }
                continue;
            }
            // The first row seen for a key is its oldest pending one: it decides for the key.
            _blocked.Add(key);
            if (inFlight.Contains(key) || row.LeaseUntilMs is not null)
            {
                continue;
            }
            if (!lanes.TryGetValue(row.Sink, out var lane))
            {
                _unknownSink.Add(row);
                continue;
            }
            if (row.NextMs > nowMs || lane.PausedUntilMs > nowMs)
            {
                Due(Math.Max(row.NextMs, lane.PausedUntilMs));
                continue;
            }
            var used = _used.GetValueOrDefault(row.Sink);
            if (used >= lane.FreeSlots)
            {
                continue;
            }
            _used[row.Sink] = used + 1;
            _blocked.Remove(key);
            _groups[key] = [row];
        }
    }

    private void Due(long ms) => NextDueMs = NextDueMs is { } due ? Math.Min(due, ms) : ms;
}
