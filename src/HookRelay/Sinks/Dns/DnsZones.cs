using System.Net;

namespace HookRelay.Sinks.Dns;

/// <summary>
/// The zones one DNS sink writes, planned and changed in the two ways HookRelay does: for the
/// instances one event names (reading only the names they own or want), and for the whole cluster
/// (reading every zone whole) in `dns reconcile`. Both plan with <see cref="DnsPlanner"/> and
/// write through the same provider, so an event and a reconcile never disagree on what is right.
/// </summary>
public sealed class DnsZones(IDnsProvider provider, DnsLayout layout)
{
    public IDnsProvider Provider => provider;

    public DnsLayout Layout => layout;

    public async Task<DnsPlan> PlanEventAsync(DnsEvent change, string owner, CancellationToken cancellationToken)
    {
        var desired = change.Present.Select(i => layout.Desired(i, owner)).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        names.UnionWith(change.Scope.Select(layout.ForwardName));
        names.UnionWith(desired.SelectMany(d => d.ByName.Keys));
        var known = new List<RecordSet>(await ReadAsync(names, cancellationToken).ConfigureAwait(false));
        // The PTR records of the addresses the forward names hold now: an address an instance no longer has is found here.
        var current = new ZoneContents(known);
        var reverse = change.Scope.Select(layout.ForwardName)
            .Where(name => OwnerRecord.At(current, name) is { } tag && tag.Owner == owner)
            .SelectMany(name => new[] { current.Find(name, DnsTypes.A), current.Find(name, DnsTypes.Aaaa) })
            .OfType<RecordSet>()
            .SelectMany(set => set.Values)
            .Select(value => IPAddress.TryParse(value, out var address) ? DnsNames.Reverse(address) : null)
            .OfType<string>()
            .Where(name => !names.Contains(name) && DnsNames.ZoneOf(name, layout.Zones) is not null)
            .ToHashSet(StringComparer.Ordinal);
        if (reverse.Count > 0)
        {
            known.AddRange(await ReadAsync(reverse, cancellationToken).ConfigureAwait(false));
            current = new ZoneContents(known);
        }
        return new DnsPlanner(owner).Plan(desired, change.Scope, current);
    }

    public async Task<DnsPlan> PlanAllAsync(IReadOnlyList<DnsInstance> instances, string owner, CancellationToken cancellationToken)
    {
        var sets = new List<RecordSet>();
        foreach (var zone in layout.Zones)
        {
            sets.AddRange((await provider.ReadZoneAsync(zone, cancellationToken).ConfigureAwait(false))
                .Where(s => DnsNames.ZoneOf(s.Name, layout.Zones) == zone));
        }
        var current = new ZoneContents(sets);
        var scope = instances.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        // Every instance this HookRelay ever wrote records for: those gone from the cluster lose them.
        scope.UnionWith(sets.Where(s => s.Type == DnsTypes.Txt).SelectMany(s => s.Values).Select(OwnerRecord.Parse)
            .Where(tag => tag is not null && tag.Owner == owner).Select(tag => tag!.Instance));
        return new DnsPlanner(owner).Plan([.. instances.Select(i => layout.Desired(i, owner))], scope, current);
    }

    public async Task ApplyAsync(DnsPlan plan, CancellationToken cancellationToken)
    {
        foreach (var (zone, changes) in plan.ByZone(layout.Zones))
        {
            foreach (var chunk in changes.Chunk(provider.ChangesPerWrite))
            {
                await provider.ApplyAsync(zone, chunk, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task<IReadOnlyList<RecordSet>> ReadAsync(IEnumerable<string> names, CancellationToken cancellationToken) =>
        provider.ReadAsync([.. DnsEvent.WithOwners(names).Where(n => DnsNames.ZoneOf(n, layout.Zones) is not null)], layout.Zones, cancellationToken);
}
