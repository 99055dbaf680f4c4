using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace HookRelay.Rules;

/// <summary>
/// The regular expressions a configuration writes (matchers, gate patterns), each bounded to
/// <see cref="Bound"/> a match: a pattern that backtracks without end must not hold a hook, and
/// so a Ganeti job, until its budget runs out.
/// </summary>
/// <remarks>
/// Any <see cref="Regex"/> constructor taking options keeps every engine the options could ask
/// for, the non-backtracking one too (about a tenth of hookrelay-hook's image, and of the static
/// fields its runtime sets up at each start, BENCHMARKS.md). hookrelay-hook therefore bounds the
/// process's default instead (<see cref="BoundProcessDefault"/>, before it binds its slice of the
/// configuration) and builds them with the plain constructor; its project turns
/// <see cref="ByProcessDefault"/> on.
/// </remarks>
public static class BoundedRegex
{
    private const string Switch = "HookRelay.Rules.BoundedRegex.ByProcessDefault";

    public static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether the bound is the process's default match timeout; true only in hookrelay-hook.</summary>
    [FeatureSwitchDefinition(Switch)]
    public static bool ByProcessDefault => AppContext.TryGetSwitch(Switch, out var on) && on;

    /// <summary>Makes <see cref="Bound"/> the default match timeout; before any regular expression is built, or it is too late.</summary>
    public static void BoundProcessDefault() => AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", Bound);

    /// <exception cref="ArgumentException">The pattern is not a regular expression.</exception>
    public static Regex Create(string pattern)
    {
        if (!ByProcessDefault)
        {
            // Culture plays no part: the build has invariant globalization.
            return new Regex(pattern, RegexOptions.None, Bound);
        }
        var regex = new Regex(pattern);
        return regex.MatchTimeout == Bound
            ? regex
            : throw new InvalidOperationException($"regular expressions are not bounded in this process (match timeout {regex.MatchTimeout}): {nameof(BoundProcessDefault)} was not called first");
    }
}
