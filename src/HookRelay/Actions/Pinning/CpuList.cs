using System.Globalization;

namespace HookRelay.Actions.Pinning;

/// <summary>The kernel's CPU list format, as sysfs and taskset write it: "0-3,8,10-11".</summary>
public static class CpuList
{
    public static SortedSet<int> Parse(string text)
    {
        var cpus = new SortedSet<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var first = int.Parse(dash < 0 ? part : part[..dash], NumberStyles.None, CultureInfo.InvariantCulture);
            var last = dash < 0 ? first : int.Parse(part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
            if (last < first)
            {
                throw new FormatException($"'{part}' is not a CPU range");
            }
            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }
        return cpus;
    }

    public static string Format(IEnumerable<int> cpus)
    {
        var sorted = cpus.Distinct().Order().ToList();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            parts.Add(j == i ? sorted[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{sorted[i]}-{sorted[j]}"));
            i = j + 1;
        }
        return string.Join(',', parts);
    }
}
