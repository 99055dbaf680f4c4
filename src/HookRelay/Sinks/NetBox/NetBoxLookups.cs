using System.Collections.Concurrent;
using System.Text.Json;

namespace HookRelay.Sinks.NetBox;

/// <summary>
/// The objects an operator keeps in NetBox and the sync refers to: the cluster, the nodes'
/// devices, the OSes' platforms, the tags. What was found is remembered for the sink's life
/// (they change rarely); what was not is asked again next time, so a device added later is used.
/// </summary>
public sealed class NetBoxLookups(NetBoxApi api)
{
    private readonly ConcurrentDictionary<string, long> _clusters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(long Cluster, string Node), long> _devices = new();
    private readonly ConcurrentDictionary<string, long> _platforms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NetBoxTag> _tags = new(StringComparer.Ordinal);

    /// <summary>The cluster's id; NetBox must hold it (its type and site are the operator's to choose).</summary>
    public async Task<long> ClusterAsync(string name, CancellationToken cancellationToken)
    {
        if (_clusters.TryGetValue(name, out var id))
        {
            return id;
        }
        var found = await api.ListAsync("virtualization/clusters", cancellationToken, ("name", name)).ConfigureAwait(false);
        return found.Count > 0
            ? _clusters[name] = IdOf(found[0])
            : throw new NetBoxException($"{api.Display} has no cluster named {name}: create it (any cluster type), or name the one to use in the sink's cluster setting", retry: false);
    }

    /// <summary>
    /// The device of a Ganeti node among the cluster's devices, by its name or its first label
    /// (devices are often named short); null when the cluster has none of either name.
    /// </summary>
    public async Task<long?> DeviceAsync(long cluster, string node, CancellationToken cancellationToken)
    {
        if (_devices.TryGetValue((cluster, node), out var id))
        {
            return id;
        }
        foreach (var name in new[] { node, node.Split('.')[0] }.Distinct(StringComparer.Ordinal))
        {
            var found = await api.ListAsync("dcim/devices", cancellationToken, ("name", name),
                ("cluster_id", cluster.ToString(System.Globalization.CultureInfo.InvariantCulture))).ConfigureAwait(false);
            if (found.Count > 0)
            {
                return _devices[(cluster, node)] = IdOf(found[0]);
            }
        }
        return null;
    }

    /// <summary>The platform named as the instance's OS (debootstrap+default), made when NetBox has none.</summary>
    public async Task<long> PlatformAsync(string os, CancellationToken cancellationToken)
    {
        if (_platforms.TryGetValue(os, out var id))
        {
            return id;
        }
        var found = await api.ListAsync("dcim/platforms", cancellationToken, ("name", os)).ConfigureAwait(false);
        if (found.Count > 0)
        {
            return _platforms[os] = IdOf(found[0]);
        }
        var made = await api.CreateAsync("dcim/platforms", NetBoxJson.Body(w =>
        {
            w.WriteString("name", os);
            w.WriteString("slug", Slug(os));
        }), cancellationToken).ConfigureAwait(false);
        return _platforms[os] = IdOf(made);
    }

    /// <summary>Tags by slug, as (name, slug) to write as nested objects; NetBox must hold them.</summary>
    public async Task<IReadOnlyList<NetBoxTag>> TagsAsync(IReadOnlyList<string> slugs, CancellationToken cancellationToken)
    {
        var tags = new List<NetBoxTag>();
        foreach (var slug in slugs)
        {
            if (!_tags.TryGetValue(slug, out var tag))
            {
                var found = await api.ListAsync("extras/tags", cancellationToken, ("slug", slug)).ConfigureAwait(false);
                tag = found.Count > 0 ? _tags[slug] = NetBoxTag.Of(found[0]) : throw new NetBoxException($"{api.Display} has no tag with slug {slug}: create it, or take it out of the sink's tags", retry: false);
            }
            tags.Add(tag);
        }
        return tags;
    }

    /// <summary>A platform slug as NetBox's own slugify makes it: lower case, runs of anything else than letters, digits, _ and - become one -.</summary>
    public static string Slug(string name)
    {
        var slug = System.Text.RegularExpressions.Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9_-]+", "-").Trim('-');
        return slug.Length == 0 ? "os" : slug[..Math.Min(slug.Length, 100)];
    }

    public static long IdOf(JsonElement item) => item.GetProperty("id").GetInt64();
}

/// <summary>A tag as a VM's tags list writes it: NetBox finds a nested tag by both.</summary>
public sealed record NetBoxTag(string Name, string Slug)
{
    public static NetBoxTag Of(JsonElement tag) => new(NetBoxJson.Text(tag, "name"), NetBoxJson.Text(tag, "slug"));
}
