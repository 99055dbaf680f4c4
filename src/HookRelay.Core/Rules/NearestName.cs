namespace HookRelay.Rules;

/// <summary>"Did you mean …?" for a name that is one typo away from a known one.</summary>
internal static class NearestName
{
    /// <summary>"; did you mean 'x'?" when a known name is close enough to be the intended one, else "".</summary>
    public static string DidYouMean(string given, IEnumerable<string> known)
    {
        var nearest = known.Select(k => (Name: k, Distance: Distance(given, k))).MinBy(k => k.Distance);
        return nearest.Name is not null && nearest.Distance <= Math.Max(2, given.Length / 3) ? $"; did you mean '{nearest.Name}'?" : "";
    }

    /// <summary>Levenshtein distance, for the short names of a configuration.</summary>
    public static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}
