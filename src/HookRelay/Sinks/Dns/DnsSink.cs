using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Http;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks.Dns;

/// <summary>
/// Instance records in DNS, kept true by every instance event routed here: add, modify, start,
/// migrate and the rest give the instance the records its NICs call for now; a rename moves them
/// to the new name; a remove deletes them. Each delivery reads the names it concerns, plans with
/// the ownership rules (<see cref="DnsPlanner"/>) and writes only what differs, so a retry or a
/// second copy of the event changes nothing. A conflict (a name someone else wrote) is not
/// overwritten: the rest is written, and the delivery fails with the conflict named.
/// </summary>
public sealed class DnsSink(string name, DnsZones zones, string? ownerId, Reconcile.RapiClient? rapi) : ISink, IDisposable
{
    public static readonly SinkType PowerDns = new("powerdns",
    [
        SinkKey.Text("api", "PowerDNS's webserver, e.g. http://127.0.0.1:8081 (the API is under /api/v1).") with { Required = true },
        SinkKey.Text("key", "Its api-key: use a secret reference.") with { Required = true, IsCredential = true },
        SinkKey.Text("server_id", "The server id in API paths (default localhost)."),
        .. DnsKeys.All,
        .. HttpKeys.WithoutAuth,
    ], (settings, _) => Create(settings, new PowerDnsProvider(
        new HttpSinkClient(settings, HttpSinkClient.ParseEndpoint(settings, "api"), connections: 2, bearerKey: null),
        settings.RequiredSecret("key"), settings.Text("server_id") ?? "localhost")));

    public static readonly SinkType Rfc2136 = new("rfc2136",
    [
        SinkKey.Text("server", "The primary server, host or host:port (default port 53); updates, reads and zone transfers go there.") with { Required = true },
        SinkKey.Text("tsig_key", "The TSIG key's name, as the server knows it."),
        SinkKey.Text("tsig_secret", "The key's secret (base64, as tsig-keygen prints it): use a secret reference.") with { IsCredential = true },
        SinkKey.Choice("tsig_algorithm", "The key's algorithm (default hmac-sha256).", Rfc2136Provider.Algorithms),
        SinkKey.Duration("timeout", "Per request (default 10s)."),
        .. DnsKeys.All,
    ], (settings, _) => Create(settings, Rfc2136Provider.From(settings)));

    public string Name { get; } = name;

    public DnsZones Zones { get; } = zones;

    /// <summary>Where `dns reconcile` reads the cluster (rapi: in the sink's settings), built with the sink so a mistake shows in `config check`.</summary>
    public Reconcile.RapiClient? Rapi { get; } = rapi;

    private static DnsSink Create(SinkSettings settings, IDnsProvider provider)
    {
        try
        {
            var layout = DnsKeys.Layout(settings);
            return new DnsSink(settings.SinkName, new DnsZones(provider, layout), settings.Text("owner_id"), Reconcile.RapiClient.From(settings));
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>This HookRelay's owner id: configured, or the cluster's name.</summary>
    public string OwnerFor(string? cluster) =>
        ownerId ?? (cluster is { Length: > 0 } ? cluster : throw new InvalidOperationException($"sink '{Name}': the event names no cluster; set owner_id"));

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        DnsEvent? change;
        string? cluster;
        bool test;
        using (var view = message.View())
        {
            change = DnsEvent.From(view);
            cluster = view.Text("cluster");
            test = view.IsTest;
        }
        if (ownerId is null && string.IsNullOrEmpty(cluster))
        {
            return new DeliveryResult.Failed($"sink '{Name}': the event names no cluster to own its records; set owner_id");
        }
        var owner = OwnerFor(cluster);
        try
        {
            if (test)
            {
                // A test event writes nothing: the zones are read, which proves the server answers and the key is right.
                foreach (var zone in Zones.Layout.Zones)
                {
                    await Zones.Provider.ReadAsync([zone], Zones.Layout.Zones, cancellationToken).ConfigureAwait(false);
                }
                return DeliveryResult.Ok;
            }
            if (change is null)
            {
                return DeliveryResult.Ok;
            }
            var plan = await Zones.PlanEventAsync(change, owner, cancellationToken).ConfigureAwait(false);
            await Zones.ApplyAsync(plan, cancellationToken).ConfigureAwait(false);
            return plan.Refusals.Count == 0
                ? DeliveryResult.Ok
                : new DeliveryResult.Failed($"{Zones.Provider.Display}: {string.Join("; ", plan.Refusals)}");
        }
        catch (DnsProviderException e)
        {
            return e.Retry ? new DeliveryResult.Retry(e.Message) : new DeliveryResult.Failed(e.Message);
        }
    }

    public void Dispose()
    {
        Zones.Provider.Dispose();
        Rapi?.Dispose();
    }
}
