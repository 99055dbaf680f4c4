using HookRelay.Sinks;
using HookRelay.Sinks.Dns;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Dns;

/// <summary>
/// What both DNS sinks must do, each against its real server (PowerDNS through its API, BIND
/// through RFC 2136), every change checked with `dig` against the server: a client HookRelay did
/// not write. Instance events come from the real captures, with the names and addresses a test
/// needs.
/// </summary>
public abstract class DnsSinkContract : IAsyncLifetime
{
    protected abstract int DnsPort { get; }

    /// <summary>The sink's settings for the server, with or without the right key.</summary>
    protected abstract (string Type, (string, string)[] Settings) Connection(bool rightKey = true);

    /// <summary>A record written by someone else (the server's own tool), for the ownership tests.</summary>
    protected abstract Task WriteForeignAsync(string zone, string name, string type, string value);

    protected abstract Task StopServerAsync();

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    protected DnsSink Sink(bool rightKey = true, params (string, string)[] more)
    {
        var (type, settings) = Connection(rightKey);
        (string, string)[] zones = [.. DnsServers.Zones.Select((z, i) => ($"zones[{i}]", z))];
        return (DnsSink)SinkTypes.Find(type)!.Create(SinkTestEvents.Settings(type, [.. settings, .. zones, ("ttl", "120"), .. more]), RouteTexts.None);
    }

    private static async Task<DeliveryResult> DeliverAsync(DnsSink sink, SinkMessage message) =>
        await sink.DeliverAsync(message, TestContext.Current.CancellationToken);

    private string Dig(string name, string type) => DnsServers.Dig(DnsPort, name, type);

    [Fact]
    public async Task An_added_instance_gets_a_aaaa_and_ptr_records_as_dig_sees_them()
    {
        using var sink = Sink(more: ("eui64", "true"));

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, DnsSinkContractEvents.Web1Added));

        Assert.Equal("192.0.2.2", Dig("web-1.lab.example", "A"));
        Assert.Equal("2001:db8::a800:ff:fe7e:c37", Dig("web-1.lab.example", "AAAA"));
        Assert.Equal("web-1.lab.example.", Dig("2.2.0.192.in-addr.arpa", "PTR"));
        Assert.Equal("web-1.lab.example.", Dig("7.3.c.0.e.7.e.f.f.f.0.0.0.0.8.a.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR"));
        Assert.Equal("\"heritage=hookrelay,owner=cluster.lab.example,instance=web-1.lab.example\"", Dig("_hookrelay.web-1.lab.example", "TXT"));
    }

    [Fact]
    public async Task The_same_event_again_plans_no_write()
    {
        using var sink = Sink();
        await DeliverAsync(sink, DnsSinkContractEvents.Web1Added);

        using var view = new EventView(DnsSinkContractEvents.Web1Added.CloudEventJson);
        var again = await sink.Zones.PlanEventAsync(DnsEvent.From(view)!, "cluster.lab.example", TestContext.Current.CancellationToken);

        Assert.True(again.IsEmpty, again.Describe());
        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, DnsSinkContractEvents.Web1Added));
    }

    [Fact]
    public async Task A_modified_address_moves_the_a_record_and_the_ptr()
    {
        using var sink = Sink();
        await DeliverAsync(sink, DnsSinkContractEvents.Web1Added);

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, DnsTestEvents.Modify("web-1.lab.example", "192.0.2.3")));

        Assert.Equal("192.0.2.3", Dig("web-1.lab.example", "A"));
        Assert.Equal("web-1.lab.example.", Dig("3.2.0.192.in-addr.arpa", "PTR"));
        Assert.Equal("NXDOMAIN", DnsServers.Status(DnsPort, "2.2.0.192.in-addr.arpa", "PTR"));
    }

    [Fact]
    public async Task A_rename_moves_the_records_to_the_new_name()
    {
        using var sink = Sink();
        await DeliverAsync(sink, DnsTestEvents.Add("web-21.lab.example", "192.0.2.21"));

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, DnsTestEvents.Rename("web-21.lab.example", "web-22.lab.example", "192.0.2.21")));

        Assert.Equal("192.0.2.21", Dig("web-22.lab.example", "A"));
        Assert.Equal("NXDOMAIN", DnsServers.Status(DnsPort, "web-21.lab.example", "A"));
        Assert.Equal("NXDOMAIN", DnsServers.Status(DnsPort, "_hookrelay.web-21.lab.example", "TXT"));
        Assert.Equal("web-22.lab.example.", Dig("21.2.0.192.in-addr.arpa", "PTR"));
    }

    [Fact]
    public async Task A_removed_instance_loses_its_records_and_nobody_elses()
    {
        await WriteForeignAsync("lab.example.", "mail.lab.example.", "A", "192.0.2.250");
        await WriteForeignAsync("lab.example.", "db-1.lab.example.", "TXT", "\"v=spf1 -all\"");
        using var sink = Sink();
        await DeliverAsync(sink, DnsTestEvents.Add("db-1.lab.example", "198.51.100.7"));
        Assert.Equal("198.51.100.7", Dig("db-1.lab.example", "A"));

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, DnsTestEvents.Remove("db-1.lab.example", "198.51.100.7")));

        Assert.Equal("", Dig("db-1.lab.example", "A"));
        Assert.Equal("NXDOMAIN", DnsServers.Status(DnsPort, "7.100.51.198.in-addr.arpa", "PTR"));
        Assert.Equal("\"v=spf1 -all\"", Dig("db-1.lab.example", "TXT"));
        Assert.Equal("192.0.2.250", Dig("mail.lab.example", "A"));
    }

    [Fact]
    public async Task A_name_someone_else_wrote_is_reported_and_left_as_it_is()
    {
        await WriteForeignAsync("lab.example.", "web-5.lab.example.", "A", "192.0.2.99");
        using var sink = Sink();

        var result = await DeliverAsync(sink, DnsTestEvents.Add("web-5.lab.example", "192.0.2.5"));

        var failed = Assert.IsType<DeliveryResult.Failed>(result);
        Assert.Contains("conflict at web-5.lab.example.", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("192.0.2.99", failed.Reason, StringComparison.Ordinal);
        Assert.Equal("192.0.2.99", Dig("web-5.lab.example", "A"));
        // The reverse name nobody held is written all the same.
        Assert.Equal("web-5.lab.example.", Dig("5.2.0.192.in-addr.arpa", "PTR"));
    }

    [Fact]
    public async Task A_wrong_key_fails_with_the_servers_own_answer_and_writes_nothing()
    {
        using var sink = Sink(rightKey: false);

        var failed = Assert.IsType<DeliveryResult.Failed>(await DeliverAsync(sink, DnsSinkContractEvents.Web1Added));

        AssertWrongKey(failed.Reason);
        Assert.Equal("", Dig("web-1.lab.example", "A"));
    }

    protected abstract void AssertWrongKey(string reason);

    [Fact]
    public async Task A_server_that_is_down_is_retried()
    {
        using var sink = Sink(more: ("timeout", "2s"));
        await StopServerAsync();

        Assert.IsType<DeliveryResult.Retry>(await DeliverAsync(sink, DnsSinkContractEvents.Web1Added));
    }

    [Fact]
    public async Task A_whole_reconcile_creates_the_missing_deletes_the_orphaned_and_then_has_nothing_to_do()
    {
        await WriteForeignAsync("lab.example.", "mail.lab.example.", "A", "192.0.2.250");
        using var sink = Sink();
        await DeliverAsync(sink, DnsSinkContractEvents.Web1Added);
        await DeliverAsync(sink, DnsTestEvents.Add("gone-1.lab.example", "192.0.2.77"));
        DnsInstance[] cluster =
        [
            new("web-1.lab.example", [new DnsNic(0, "192.0.2.2", "aa:00:00:7e:0c:37", null, null)]),
            new("db-2.lab.example", [new DnsNic(0, "198.51.100.8", "aa:00:00:00:00:08", null, null)]),
        ];
        var token = TestContext.Current.CancellationToken;

        var plan = await sink.Zones.PlanAllAsync(cluster, "cluster.lab.example", token);
        await sink.Zones.ApplyAsync(plan, token);

        Assert.Empty(plan.Conflicts);
        Assert.Contains(plan.Changes, c => c.Kind == ChangeKind.Delete && c.Instance == "gone-1.lab.example");
        Assert.Contains(plan.Changes, c => c.Kind == ChangeKind.Create && c.Instance == "db-2.lab.example");
        Assert.DoesNotContain(plan.Changes, c => c.Instance == "web-1.lab.example");
        Assert.Equal("198.51.100.8", Dig("db-2.lab.example", "A"));
        Assert.Equal("", Dig("gone-1.lab.example", "A"));
        Assert.Equal("NXDOMAIN", DnsServers.Status(DnsPort, "77.2.0.192.in-addr.arpa", "PTR"));
        Assert.Equal("192.0.2.250", Dig("mail.lab.example", "A"));
        var again = await sink.Zones.PlanAllAsync(cluster, "cluster.lab.example", token);
        Assert.True(again.IsEmpty, again.Describe());
    }

    [Fact]
    public async Task A_test_event_reads_the_zones_and_writes_nothing()
    {
        using var sink = Sink();
        var message = SinkTestEvents.Message("instance-add-post-node1-01", ev => ev);
        var test = System.Text.Json.Nodes.JsonNode.Parse(message.CloudEventJson.Span)!.AsObject();
        test[HookRelay.Events.CloudEvent.TestAttribute] = "true";

        Assert.IsType<DeliveryResult.Delivered>(await DeliverAsync(sink, message with { CloudEventJson = System.Text.Encoding.UTF8.GetBytes(test.ToJsonString()) }));

        Assert.Equal("", Dig("web-1.lab.example", "A"));
    }
}

internal static class DnsSinkContractEvents
{
    /// <summary>The real capture of web-1's add on node1: NIC 0 at 192.0.2.2 on net1 (2001:db8::/64), MAC aa:00:00:7e:0c:37.</summary>
    public static SinkMessage Web1Added { get; } = SinkTestEvents.Message("instance-add-post-node1-01");
}
