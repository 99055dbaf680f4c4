using HookRelay.Delivery;
using HookRelay.Outbox;

namespace HookRelay.Tests.Delivery;

public class DeliverySchedulerTests
{
    private const long Now = 1_800_000_000_000;

    private static PendingDelivery Row(long id, string key, string sink = "chat", long next = Now, long? lease = null) =>
        new(id, id, $"evt-{id}", sink, "r", key, 0, next, lease, Now - 5000);

    private static DeliveryScheduler Scheduler(int slots = 4, long pausedUntil = 0, IReadOnlySet<(string, string)>? inFlight = null, int maxGroup = 64) =>
        new(Now, new Dictionary<string, LaneCapacity> { ["chat"] = new(slots, pausedUntil) }, inFlight ?? new HashSet<(string, string)>(), maxGroup);

    private static Dictionary<string, long[]> Chosen(DeliveryScheduler s) =>
        s.Groups.ToDictionary(g => g.Key.Key, g => g.Value.Select(r => r.Id).ToArray());

    [Fact]
    public void Rows_of_one_key_go_out_as_one_ordered_group()
    {
        var s = Scheduler();
        s.Consider([Row(1, "a"), Row(2, "b"), Row(3, "a"), Row(4, "a")]);
        var chosen = Chosen(s);
        Assert.Equal([1, 3, 4], chosen["a"]);
        Assert.Equal([2], chosen["b"]);
    }

    [Fact]
    public void A_key_whose_oldest_row_waits_in_backoff_sends_nothing_newer()
    {
        var s = Scheduler();
        s.Consider([Row(1, "a", next: Now + 5000), Row(2, "a"), Row(3, "b")]);
        var chosen = Chosen(s);
        Assert.False(chosen.ContainsKey("a"));
        Assert.Equal([3], chosen["b"]);
        Assert.Equal(Now + 5000, s.NextDueMs);
    }

    [Fact]
    public void A_key_already_in_flight_is_not_started_twice()
    {
        var s = Scheduler(inFlight: new HashSet<(string, string)> { ("chat", "a") });
        s.Consider([Row(5, "a"), Row(6, "b")]);
        Assert.Equal(["b"], Chosen(s).Keys);
    }

    [Fact]
    public void A_leased_row_blocks_the_rows_behind_it()
    {
        var s = Scheduler();
        s.Consider([Row(1, "a", lease: Now + 60_000), Row(2, "a")]);
        Assert.Empty(Chosen(s));
    }

    [Fact]
    public void A_group_stops_at_a_row_that_is_not_due()
    {
        var s = Scheduler();
        s.Consider([Row(1, "a"), Row(2, "a", next: Now + 1000), Row(3, "a")]);
        Assert.Equal([1], Chosen(s)["a"]);
    }

    [Fact]
    public void No_more_keys_start_than_the_sink_has_free_slots()
    {
        var s = Scheduler(slots: 2);
        s.Consider([Row(1, "a"), Row(2, "b"), Row(3, "c")]);
        Assert.Equal(["a", "b"], Chosen(s).Keys.Order());
        Assert.False(s.HasFreeSlots);
    }

    [Fact]
    public void A_paused_sink_starts_nothing_and_says_when_it_resumes()
    {
        var s = Scheduler(pausedUntil: Now + 30_000);
        s.Consider([Row(1, "a")]);
        Assert.Empty(Chosen(s));
        Assert.Equal(Now + 30_000, s.NextDueMs);
    }

    [Fact]
    public void Groups_are_bounded()
    {
        var s = Scheduler(maxGroup: 3);
        s.Consider(Enumerable.Range(1, 10).Select(i => Row(i, "a")));
        Assert.Equal([1, 2, 3], Chosen(s)["a"]);
    }

    [Fact]
    public void Rows_for_a_sink_without_a_lane_are_handed_back()
    {
        var s = Scheduler();
        s.Consider([Row(1, "a", sink: "gone"), Row(2, "a")]);
        Assert.Equal(1, Assert.Single(s.UnknownSink).Id);
        Assert.Equal([2], Chosen(s)["a"]);
    }
}
