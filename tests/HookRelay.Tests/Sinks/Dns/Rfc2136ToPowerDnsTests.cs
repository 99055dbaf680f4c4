using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Dns;

/// <summary>The DNS contract through RFC 2136 against PowerDNS 4.7 (dnsupdate=yes, the key allowed to update and transfer each zone): the other server the rfc2136 sink names.</summary>
public sealed class Rfc2136ToPowerDnsTests : DnsSinkContract
{
    private DnsServers.PowerDns _pdns = null!;
    private string _secret = "";

    protected override int DnsPort => _pdns.Server.Port;

    public override async ValueTask InitializeAsync() => (_pdns, _secret) = await DnsServers.PowerDnsWithTsigAsync();

    public override async ValueTask DisposeAsync() => await (_pdns?.Server.DisposeAsync() ?? ValueTask.CompletedTask);

    protected override (string Type, (string, string)[] Settings) Connection(bool rightKey = true) =>
        ("rfc2136", [("server", $"127.0.0.1:{_pdns.Server.Port}"), ("tsig_key", DnsServers.TsigName),
            ("tsig_secret", rightKey ? _secret : Convert.ToBase64String(new byte[32]))]);

    protected override Task WriteForeignAsync(string zone, string name, string type, string value) => DnsServers.PatchAsync(_pdns, zone, name, type, value);

    protected override Task StopServerAsync() => _pdns.Server.StopAsync();

    /// <summary>PowerDNS answers an update signed with a key it cannot verify with NOTAUTH (BIND) or REFUSED, as its log says.</summary>
    protected override void AssertWrongKey(string reason) =>
        Assert.True(reason.Contains("NOTAUTH", StringComparison.Ordinal) || reason.Contains("REFUSED", StringComparison.Ordinal), reason);
}
