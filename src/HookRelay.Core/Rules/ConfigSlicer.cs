using HookRelay.Events;
using YamlDotNet.RepresentationModel;

namespace HookRelay.Rules;

/// <summary>
/// Cuts a valid configuration into one small document per hooks path and phase of the catalog:
/// the file as written, with only the routes, gates and sinks that run of that path and phase
/// could use. A hook then parses and compiles a few rules instead of all of them, so its cost does
/// not grow with the file, and a path nothing can apply to needs no parsing at all (no slice).
/// A slice is the file's own YAML nodes (as a <see cref="SliceTree"/>, which a hook rebuilds
/// without parsing YAML) bound by the same loader as the file, so it means exactly what the file means.
/// </summary>
internal static class ConfigSlicer
{
    /// <summary>Distinct slice documents, and which one each "path/phase" uses; a pair not listed has nothing to do.</summary>
    public sealed record Slices(IReadOnlyList<byte[]> Documents, IReadOnlyDictionary<string, int> Index);

    public static string Key(string hook, string phase) => $"{hook}/{phase}";

    /// <summary>
    /// The whole file's nodes, for a run of a hooks path or hooks version the catalog does not
    /// know (any rule may match it): the hook reads no YAML text (<see cref="ConfigText"/>).
    /// </summary>
    public const string Whole = "*";

    public static Slices Cut(HookRelayConfig config)
    {
        var documents = new List<byte[]>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        if (ConfigText.Root(config.Content, config.SourcePath, []) is not YamlMappingNode root)
        {
            return new Slices(documents, index);
        }
        var routeNodes = Items(root, "routes");
        var gateNodes = Items(root, "gates");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var path in HooksCatalog.All)
        {
            foreach (var phase in path.Phases)
            {
                var gated = Planner.MayBeGated(config, path.Path, phase);
                var routes = Enumerable.Range(0, config.Routes.Count).Where(i => RouteMayRun(config.Routes[i], path.Path, phase, gated)).ToList();
                var gates = phase == "pre"
                    ? Enumerable.Range(0, config.Gates.Count).Where(i => Planner.MayMatch(config.Gates[i].Matchers, path.Path, phase)).ToList()
                    : [];
                if (routes.Count == 0 && gates.Count == 0 && !AnyActionMayRun(config, path.Path, phase))
                {
                    continue;
                }
                var slice = Emit(root, [.. routes.Select(i => routeNodes[i])], [.. gates.Select(i => gateNodes[i])],
                    routes.SelectMany(i => config.Routes[i].To).Concat(gates.Select(i => config.Gates[i].Remote?.Sink).OfType<string>()).ToHashSet(StringComparer.Ordinal));
                index[Key(path.Path, phase)] = Kept(slice);
            }
        }
        index[Whole] = Kept(SliceTree.Write(root));
        return new Slices(documents, index);

        // Many paths share a slice (the same rules apply to them): kept once.
        int Kept(byte[] slice)
        {
            var text = Convert.ToBase64String(slice);
            if (!seen.TryGetValue(text, out var number))
            {
                number = seen[text] = documents.Count;
                documents.Add(slice);
            }
            return number;
        }
    }

    /// <summary>
    /// A route belongs to the slice of every run it may take, and also to the pre slice of the
    /// operation whose post run it may take: the pre run notes the start for the post event's duration.
    /// </summary>
    private static bool RouteMayRun(RouteConfig route, string hook, string phase, bool gated) =>
        Planner.MayMatch(route.Matchers, hook, phase, gated)
        || (phase == "pre" && Planner.MayMatch(route.Matchers, hook, "post", gated: false));

    private static bool AnyActionMayRun(HookRelayConfig config, string hook, string phase) =>
        config.Actions.Any(a => a.Enabled && NodeActionTriggers.Find(a.Name) is { } trigger && trigger.MayRun(hook, phase));

    private static List<YamlNode> Items(YamlMappingNode root, string key) =>
        root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlSequenceNode sequence ? [.. sequence.Children] : [];

    /// <summary>The file's own nodes: every other setting as written, the chosen rules, the sinks they name.</summary>
    private static byte[] Emit(YamlMappingNode root, List<YamlNode> routes, List<YamlNode> gates, HashSet<string> sinks)
    {
        var slice = new YamlMappingNode();
        foreach (var (key, value) in root.Children)
        {
            switch (((YamlScalarNode)key).Value)
            {
                case "routes":
                    AddNonEmpty(slice, key, routes);
                    break;
                case "gates":
                    AddNonEmpty(slice, key, gates);
                    break;
                case "sinks" when value is YamlMappingNode all:
                    var used = new YamlMappingNode();
                    foreach (var (name, sink) in all.Children.Where(kv => sinks.Contains(((YamlScalarNode)kv.Key).Value ?? "")))
                    {
                        used.Add(name, sink);
                    }
                    if (used.Children.Count > 0)
                    {
                        slice.Add(key, used);
                    }
                    break;
                default:
                    slice.Add(key, value);
                    break;
            }
        }
        return SliceTree.Write(slice);
    }

    private static void AddNonEmpty(YamlMappingNode slice, YamlNode key, List<YamlNode> items)
    {
        if (items.Count > 0)
        {
            slice.Add(key, new YamlSequenceNode(items));
        }
    }
}
