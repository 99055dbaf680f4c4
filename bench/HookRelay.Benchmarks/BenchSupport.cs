using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace HookRelay.Benchmarks;

/// <summary>What the benchmark classes share: finding the repository's fixtures, and the columns reported.</summary>
public static class BenchSupport
{
    public static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException(relative);
    }

    public sealed class Percentiles : ManualConfig
    {
        public Percentiles() => AddColumn(StatisticColumn.Median, StatisticColumn.P95, StatisticColumn.Max);
    }
}
