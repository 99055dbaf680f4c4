using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Http;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks.NetBox;

/// <summary>
/// Virtual machines in NetBox kept what Ganeti's instances are, by every instance event routed
/// here (add, modify, grow-disk, start, stop, migrate, failover, rename, remove). Each delivery
/// reads what NetBox holds for the instance and writes only what differs, so a retry or a second
/// copy of an event writes nothing. NetBox busy (429) or failing (5xx) is retried through the
/// outbox; a refusal (400) fails with NetBox's own words.
/// </summary>
public sealed class NetBoxSink : ISink, IDisposable
{
    public static readonly SinkType Declaration = new("netbox",
    [
        SinkKey.Text("url", "NetBox's address, e.g. https://netbox.example.org (the API is under /api/).") with { Required = true },
        SinkKey.Text("token", "An API token with write access to virtualization, IPAM and dcim MAC addresses and platforms: use a secret reference. A v1 token is sent as `Token KEY`, a v2 token (nbt_KEY.SECRET, NetBox 4.5 and later) as `Bearer`.")
            with { Required = true, IsCredential = true },
        SinkKey.Text("cluster", "NetBox's cluster for this Ganeti cluster (default: the one named as the Ganeti cluster). NetBox must hold it."),
        SinkKey.Choice("on_remove", "What instance-remove does to the VM: delete it (default; NetBox deletes its interfaces, addresses and disks with it) or set this status.",
            "delete", "offline", "failed", "decommissioning"),
        SinkKey.Flag("devices", "Set each VM's host device to its primary node's device (by the node's name or first label, among the cluster's devices; default true)."),
        SinkKey.Flag("platforms", "Set each VM's platform to one named as its OS, made when NetBox has none (default true)."),
        SinkKey.TextList("tags", "Slugs of tags every VM carries (NetBox must hold them); tags an operator adds are kept."),
        Reconcile.RapiKeys.Group,
        .. HttpKeys.WithoutAuth,
    ], (settings, _) => Create(settings));

    private readonly NetBoxApi _api;

    private NetBoxSink(string name, NetBoxApi api, NetBoxOptions options, Reconcile.RapiClient? rapi)
    {
        Name = name;
        _api = api;
        Planner = new NetBoxPlanner(api, new NetBoxLookups(api), options);
        Rapi = rapi;
    }

    public string Name { get; }

    public NetBoxPlanner Planner { get; }

    public string Display => _api.Display;

    /// <summary>Where `netbox reconcile` reads the cluster (rapi: in the sink's settings), built with the sink so a mistake shows in `config check`.</summary>
    public Reconcile.RapiClient? Rapi { get; }

    private static NetBoxSink Create(SinkSettings settings)
    {
        var api = new NetBoxApi(new HttpSinkClient(settings, HttpSinkClient.ParseEndpoint(settings, "url"), connections: 2, bearerKey: null), settings.RequiredSecret("token"));
        try
        {
            var onRemove = settings.Text("on_remove");
            var options = new NetBoxOptions(settings.Text("cluster"), onRemove is null or "delete" ? null : onRemove, settings.Flag("devices", true), settings.Flag("platforms", true),
                settings.List("tags"));
            return new NetBoxSink(settings.SinkName, api, options, Reconcile.RapiClient.From(settings));
        }
        catch
        {
            api.Dispose();
            throw;
        }
    }

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        NetBoxEvent? change;
        string cluster;
        bool test;
        using (var view = message.View())
        {
            change = NetBoxEvent.From(view);
            cluster = view.Text("cluster") ?? "";
            test = view.IsTest;
        }
        try
        {
            if (test)
            {
                // A test event writes nothing: the version and the cluster are read, which proves the address, the token and the mapping.
                await _api.VersionAsync(cancellationToken).ConfigureAwait(false);
                await Planner.ClusterAsync(cluster, cancellationToken).ConfigureAwait(false);
                return DeliveryResult.Ok;
            }
            if (change is null)
            {
                return DeliveryResult.Ok;
            }
            var plan = await Planner.PlanEventAsync(change, cluster, cancellationToken).ConfigureAwait(false);
            await plan.ApplyAsync(cancellationToken).ConfigureAwait(false);
            return plan.Problems.Count == 0 ? DeliveryResult.Ok : new DeliveryResult.Failed($"{_api.Display}: {string.Join("; ", plan.Problems)}");
        }
        catch (NetBoxException e)
        {
            return e.Retry ? new DeliveryResult.Retry(e.Message, e.After) : new DeliveryResult.Failed(e.Message);
        }
        catch (NetBoxNotFoundException e)
        {
            // Something read a moment ago is gone (someone deleted it meanwhile): plan again.
            return new DeliveryResult.Retry(e.Message);
        }
    }

    public void Dispose()
    {
        _api.Dispose();
        Rapi?.Dispose();
    }
}
