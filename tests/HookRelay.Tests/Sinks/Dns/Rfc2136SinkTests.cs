using HookRelay.Sinks.Dns;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Dns;

/// <summary>The DNS contract against Debian's BIND 9.18, written by RFC 2136 updates signed with a TSIG key (hmac-sha256), zones read by signed AXFR.</summary>
public sealed class Rfc2136SinkTests : DnsSinkContract
{
    private DnsServers.Bind _bind = null!;

    protected override int DnsPort => _bind.Server.Port;

    public override async ValueTask InitializeAsync() => _bind = await DnsServers.BindAsync();

    public override async ValueTask DisposeAsync() => await (_bind?.Server.DisposeAsync() ?? ValueTask.CompletedTask);

    protected override (string Type, (string, string)[] Settings) Connection(bool rightKey = true) =>
        ("rfc2136", [("server", $"127.0.0.1:{_bind.Server.Port}"), ("tsig_key", DnsServers.TsigName),
            ("tsig_secret", rightKey ? _bind.TsigSecret : Convert.ToBase64String(new byte[32]))]);

    protected override Task WriteForeignAsync(string zone, string name, string type, string value)
    {
        DnsServers.Nsupdate(_bind, $"zone {zone}\nupdate add {name} 300 {type} {value}");
        return Task.CompletedTask;
    }

    protected override Task StopServerAsync() => _bind.Server.StopAsync();

    protected override void AssertWrongKey(string reason) => Assert.Contains("NOTAUTH, TSIG BADSIG", reason, StringComparison.Ordinal);

    [Fact]
    public async Task A_zone_of_many_messages_is_transferred_whole_with_each_message_verified()
    {
        using var sink = Sink();
        var token = TestContext.Current.CancellationToken;
        DnsInstance[] cluster = [.. Enumerable.Range(1, 1200).Select(i => new DnsInstance($"vm-{i}.lab.example",
            [new DnsNic(0, $"192.0.{i / 250}.{(i % 250) + 1}", null, null, null)]))];

        var plan = await sink.Zones.PlanAllAsync(cluster, "cluster.lab.example", token);
        await sink.Zones.ApplyAsync(plan, token);
        var again = await sink.Zones.PlanAllAsync(cluster, "cluster.lab.example", token);

        Assert.Equal(4 * 1200, plan.Changes.Count);
        Assert.True(again.IsEmpty, again.Describe()[..Math.Min(2000, again.Describe().Length)]);
        Assert.Equal("192.0.4.201", DnsServers.Dig(DnsPort, "vm-1200.lab.example", "A"));
        // dig's own signed transfer says how many messages the server used: more than one, or the test proves nothing.
        Assert.True(DnsServers.AxfrMessages(_bind, "lab.example") > 1);
    }
}
