using HookRelay.Events;

namespace HookRelay.Cli;

/// <summary>
/// Sample environments, one per hooks path and phase seen in the Ganeti lab (embedded from
/// src/HookRelay/Samples), for simulate and examples. Paths without a capture get a minimal
/// environment with the common variables.
/// </summary>
public static class Samples
{
    /// <summary>Every hooks path of the catalog, for help texts.</summary>
    public static string KnownPaths => string.Join(", ", HooksCatalog.All.Select(p => p.Path).Order(StringComparer.Ordinal));

    /// <summary>Why a hooks path is refused, with the nearest known one.</summary>
    public static string UnknownPath(string hook) =>
        $"'{hook}' is not a hooks path of Ganeti 3.0 or 3.1{Rules.NearestName.DidYouMean(hook, HooksCatalog.All.Select(p => p.Path))} (they are listed by 'hookrelay simulate --help')";

    public static SortedDictionary<string, string> For(string hook, string phase)
    {
        using var stream = typeof(Samples).Assembly.GetManifestResourceStream($"samples/{hook}-{phase}.env");
        if (stream is not null)
        {
            using var reader = new StreamReader(stream);
            var vars = new SortedDictionary<string, string>(StringComparer.Ordinal);
            while (reader.ReadLine() is { } line)
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    vars[line[..eq]] = line[(eq + 1)..];
                }
            }
            return vars;
        }
        var path = HooksCatalog.Find(hook);
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["GANETI_HOOKS_VERSION"] = HooksCatalog.SupportedHooksVersion,
            ["GANETI_HOOKS_PATH"] = hook,
            ["GANETI_HOOKS_PHASE"] = phase,
            ["GANETI_OP_CODE"] = path?.OpCodes.FirstOrDefault() ?? "OP_UNKNOWN",
            ["GANETI_OBJECT_TYPE"] = path?.ObjectType ?? "CLUSTER",
            ["GANETI_OP_TARGET"] = "cluster.example.org",
            ["GANETI_CLUSTER"] = "cluster.example.org",
            ["GANETI_MASTER"] = "node1.example.org",
            ["GANETI_DATA_DIR"] = "/var/lib/ganeti",
        };
    }

    public static bool Has(string hook, string phase) =>
        typeof(Samples).Assembly.GetManifestResourceInfo($"samples/{hook}-{phase}.env") is not null;
}
