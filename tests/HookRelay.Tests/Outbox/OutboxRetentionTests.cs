using HookRelay.Outbox;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Outbox;

/// <summary>Finished rows go after their retention; rows not yet delivered never do.</summary>
public sealed class OutboxRetentionTests : IDisposable
{
    private readonly OutboxTestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Old_finished_rows_are_pruned_and_pending_ones_kept_whatever_their_age()
    {
        for (var i = 0; i < 4; i++)
        {
            OutboxTestData.Enqueue(_dir.StateDir, OutboxTestDir.HookOptions, OutboxTestData.To("chat"));
        }
        using var store = OutboxStore.Open(_dir.StateDir, OutboxDatabase.DefaultMaxSizeBytes);
        var rows = store.ScanPending(0, 10);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var tenDaysAgo = now - (long)TimeSpan.FromDays(10).TotalMilliseconds;
        // Row 0 delivered ten days ago, row 1 delivered now, row 2 dead ten days ago, row 3 pending.
        store.Complete([new Outcome(rows[0].Id, OutcomeKind.Delivered, 1, 0, null), new Outcome(rows[2].Id, OutcomeKind.Dead, 5, 0, "gone")], tenDaysAgo);
        store.Complete([new Outcome(rows[1].Id, OutcomeKind.Delivered, 1, 0, null)], now);

        var pruned = OutboxRetention.Prune(store.Connection, new DeliverySettings { KeepDelivered = TimeSpan.FromDays(7), KeepDead = TimeSpan.FromDays(30) }, now);

        Assert.Equal(1, pruned.Delivered);
        Assert.Equal(0, pruned.Dead);
        Assert.Equal(1, pruned.Events);
        Assert.Equal([rows[3].Id], store.ScanPending(0, 10).Select(r => r.Id));

        pruned = OutboxRetention.Prune(store.Connection, new DeliverySettings { KeepDelivered = TimeSpan.FromDays(7), KeepDead = TimeSpan.FromDays(5) }, now);
        Assert.Equal(1, pruned.Dead);
        Assert.Single(store.ScanPending(0, 10));
    }

    [Fact]
    public void Near_the_size_limit_the_oldest_delivered_rows_go_first()
    {
        for (var i = 0; i < 40; i++)
        {
            OutboxTestData.Enqueue(_dir.StateDir, OutboxTestDir.HookOptions, OutboxTestData.To("chat"));
        }
        using var store = OutboxStore.Open(_dir.StateDir, OutboxDatabase.DefaultMaxSizeBytes);
        var rows = store.ScanPending(0, 100);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        store.Complete([.. rows.Take(30).Select((r, i) => new Outcome(r.Id, OutcomeKind.Delivered, 1, 0, null))], now);
        var limit = OutboxRetention.SizeBytes(store.Connection);

        var pruned = OutboxRetention.Prune(store.Connection, new DeliverySettings { MaxDbBytes = limit }, now);

        Assert.True(pruned.Delivered > 0);
        Assert.Equal(10, store.ScanPending(0, 100).Count);
    }
}
