namespace HookRelay.Events;

/// <summary>Where Ganeti runs a hooks path, for deciding which single node should act "once".</summary>
public enum HookNodes
{
    /// <summary>The master is always among the nodes that run it.</summary>
    IncludesMaster,
    /// <summary>Runs on the nodes of one node group, which holds the master only if it is the master's group.</summary>
    GroupNodes,
}

/// <summary>One hooks path as Ganeti 3.0/3.1 fires it.</summary>
public sealed record HookPath(
    string Path,
    string ObjectType,
    string[] OpCodes,
    string[] Phases,
    HookNodes Nodes,
    string RunsOn,
    string[] ExtraVariables,
    string Versions = "3.0 3.1");

/// <summary>
/// Every hooks path Ganeti 3.0 and 3.1 fire, derived from the captures in the Ganeti lab and the
/// Ganeti source (lib/cmdlib: each LU's HPATH, HTYPE, BuildHooksEnv and BuildHooksNodes).
/// A path missing here still yields a generic event; it is data, not a filter.
/// </summary>
public static partial class HooksCatalog
{
    public const string SupportedHooksVersion = "2";

    private static Dictionary<string, HookPath>? _byPath;

    public static IReadOnlyList<HookPath> All => Paths;

    public static HookPath? Find(string path)
    {
        _byPath ??= Paths.ToDictionary(p => p.Path, StringComparer.Ordinal);
        return _byPath.GetValueOrDefault(path);
    }
}
