using System.Text.Json;

namespace HookRelay.Tests.Support;

/// <summary>
/// QEMU's own query-block, asked by scripts/qmp-block-sizes.py (python3's socket module, not
/// HookRelay's QMP client): what a test believes QEMU sees.
/// </summary>
public static class QmpQuery
{
    public static string Script => Path.Combine(GanetiLab.RepositoryRoot(), "scripts", "qmp-block-sizes.py");

    /// <summary>The sizes the script printed, by drive name.</summary>
    public static Dictionary<string, long> Sizes(string output)
    {
        using var sizes = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return sizes.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
    }
}
