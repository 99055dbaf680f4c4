using System.Globalization;
using System.Text.RegularExpressions;

namespace HookRelay.Actions.Shaping;

/// <summary>
/// tc class ids for taps, derived from the tap's name so that the same tap always gets the same
/// class, on every node and after every reconcile: Ganeti's taps (tap0, tap12) map one to one
/// (tap12 → minor 0x100c), any other name hashes into 0x100..0xfff. Two names that hash alike
/// are a collision: the later one takes the next free minor, and the caller says so.
/// </summary>
public static partial class ClassIds
{
    private const int TapBase = 0x1000;
    private const int HashBase = 0x100;
    private const int HashRange = 0xf00;

    /// <summary>A minor for <paramref name="tap"/> that none of <paramref name="taken"/> (minor → tap) holds; <paramref name="collided"/> names the holder of the one it should have had.</summary>
    public static int Minor(string tap, IReadOnlyDictionary<int, string> taken, out string? collided)
    {
        collided = null;
        var match = GanetiTap().Match(tap);
        if (match.Success && int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number < 0xffff - TapBase)
        {
            var minor = TapBase + number;
            if (!taken.TryGetValue(minor, out var holder) || holder == tap)
            {
                return minor;
            }
            collided = holder;
        }
        var start = HashBase + (int)(Fnv1a(tap) % HashRange);
        for (var step = 0; step < HashRange; step++)
        {
            var minor = HashBase + ((start - HashBase + step) % HashRange);
            if (!taken.TryGetValue(minor, out var holder) || holder == tap)
            {
                return minor;
            }
            collided ??= holder;
        }
        throw new InvalidOperationException($"no free tc class id left for {tap}: {HashRange} other taps hold them all");
    }

    public static string Format(int major, int minor) => string.Create(CultureInfo.InvariantCulture, $"{major:x}:{minor:x}");

    /// <summary>"4852:100c" into its minor when its major is <paramref name="major"/>.</summary>
    public static int? MinorOf(string classId, int major)
    {
        var parts = classId.Split(':');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var m) && m == major
            && int.TryParse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var minor)
                ? minor
                : null;
    }

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }

    [GeneratedRegex("^tap([0-9]{1,5})$")]
    private static partial Regex GanetiTap();
}
