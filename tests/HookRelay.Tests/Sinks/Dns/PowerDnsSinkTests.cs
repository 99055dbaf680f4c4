using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Dns;

/// <summary>The DNS contract against Debian's PowerDNS Authoritative 4.7 (gsqlite3), written through its HTTP API.</summary>
public sealed class PowerDnsSinkTests : DnsSinkContract
{
    private DnsServers.PowerDns _pdns = null!;

    protected override int DnsPort => _pdns.Server.Port;

    public override async ValueTask InitializeAsync() => _pdns = await DnsServers.PowerDnsAsync();

    public override async ValueTask DisposeAsync() => await (_pdns?.Server.DisposeAsync() ?? ValueTask.CompletedTask);

    protected override (string Type, (string, string)[] Settings) Connection(bool rightKey = true) =>
        ("powerdns", [("api", _pdns.Api), ("key", rightKey ? DnsServers.ApiKey : "not-the-key")]);

    protected override Task WriteForeignAsync(string zone, string name, string type, string value) => DnsServers.PatchAsync(_pdns, zone, name, type, value);

    protected override Task StopServerAsync() => _pdns.Server.StopAsync();

    protected override void AssertWrongKey(string reason) => Assert.Contains("answered 401", reason, StringComparison.Ordinal);
}
