using System.Text.Json;

namespace HookRelay.Tests.Support;

/// <summary>
/// QEMU asked directly by scripts/qmp.py (python3's socket module, not HookRelay's QMP client):
/// what a test believes QEMU sees.
/// </summary>
public static class QmpQuery
{
    public static string Script => Path.Combine(Repository.Root, "scripts", "qmp.py");

    /// <summary>query-block's answer as disk sizes (virtual-size, bytes) by drive name.</summary>
    public static Dictionary<string, long> BlockSizes(string output)
    {
        using var answer = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return answer.RootElement.EnumerateArray().Where(b => b.TryGetProperty("inserted", out _))
            .ToDictionary(b => b.GetProperty("device").GetString()!, b => b.GetProperty("inserted").GetProperty("image").GetProperty("virtual-size").GetInt64(), StringComparer.Ordinal);
    }

    /// <summary>query-cpus-fast's answer as each vCPU's host thread id, by vCPU index.</summary>
    public static SortedDictionary<int, int> VcpuThreads(string output)
    {
        using var answer = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return new(answer.RootElement.EnumerateArray().ToDictionary(c => c.GetProperty("cpu-index").GetInt32(), c => c.GetProperty("thread-id").GetInt32()));
    }
}
