namespace HookRelay.Cli;

/// <summary>
/// This machine's Ganeti cluster as its ssconf files give it (cluster name, master, nodes), so
/// `simulate` can run a built-in sample on the real cluster's names: the sample's master becomes
/// this cluster's master, its other node another node of this cluster. HOOKRELAY_SSCONF_DIR
/// points elsewhere; the default is Ganeti's /var/lib/ganeti.
/// </summary>
public sealed record LocalCluster(string Name, string Master, IReadOnlyList<string> Nodes)
{
    public static string DefaultDirectory => Environment.GetEnvironmentVariable("HOOKRELAY_SSCONF_DIR") is { Length: > 0 } dir ? dir : "/var/lib/ganeti";

    /// <summary>The nodes an environment names (master, primaries, secondaries, the node operated on), its master first.</summary>
    public static IReadOnlyList<string> NodesIn(SortedDictionary<string, string> vars)
    {
        var master = vars.GetValueOrDefault("GANETI_MASTER");
        return [.. vars.Where(v => v.Key.EndsWith("_PRIMARY", StringComparison.Ordinal) || v.Key.EndsWith("_SECONDARY", StringComparison.Ordinal)
                || v.Key.EndsWith("_SECONDARIES", StringComparison.Ordinal) || v.Key is "GANETI_MASTER" or "GANETI_NODE_NAME")
            .SelectMany(v => v.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(n => n.Contains('.', StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n == master ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal)];
    }

    /// <summary>The cluster this machine is in, or null when it is not a Ganeti node (no readable ssconf in <paramref name="directory"/>).</summary>
    public static LocalCluster? Read(string directory)
    {
        try
        {
            string First(string key) => File.ReadLines(Path.Combine(directory, $"ssconf_{key}")).First().Trim();
            var nodes = File.ReadLines(Path.Combine(directory, "ssconf_node_list")).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            return new LocalCluster(First("cluster_name"), First("master_node"), nodes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// The sample's node names replaced by this cluster's, everywhere they occur (master, primary,
    /// old and new ends): the sample's master is this master, each other sample node the next of
    /// this cluster's other nodes. Returns what became of each sample node.
    /// </summary>
    public IReadOnlyList<(string Sample, string Here)> Adopt(SortedDictionary<string, string> vars)
    {
        var sampleMaster = vars.GetValueOrDefault("GANETI_MASTER");
        var sampleNodes = NodesIn(vars);
        var others = Nodes.Where(n => n != Master).ToList();
        var next = 0;
        var mapping = sampleNodes.Select(node => (Sample: node, Here: node == sampleMaster || others.Count == 0 ? Master : others[next++ % others.Count])).ToList();
        // The cluster's name stands for the cluster wherever the sample has it (GANETI_CLUSTER, a cluster operation's target).
        var renames = vars.GetValueOrDefault("GANETI_CLUSTER") is { } sampleCluster ? [.. mapping, (sampleCluster, Name)] : mapping;
        foreach (var key in vars.Keys.ToList())
        {
            vars[key] = string.Join(',', vars[key].Split(',').Select(part => renames.FirstOrDefault(r => r.Sample == part.Trim()) is { Here: { } here } ? here : part));
        }
        return mapping;
    }
}
