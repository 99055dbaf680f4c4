using HookRelay.Events;

namespace HookRelay.Rules;

/// <summary>
/// Matchers that parse but can never be true for an event Ganeti sends: a hooks path that does
/// not exist, a phase other than pre and post, a boolean compared with something that is not
/// one. Found when the file is loaded, so `config check` says so instead of a route going quiet.
/// </summary>
internal static class MatcherChecks
{
    /// <summary>Variables Ganeti writes as Python booleans (True/False), read as true/false.</summary>
    private static readonly HashSet<string> Booleans = new(StringComparer.Ordinal)
    {
        "known_hook", "migrate_live", "migrate_cleanup", "failover_cleanup", "ignore_consistency", "ignore_secondaries",
        "allow_runtime_changes", "force", "absolute", "drained", "offline", "master_candidate", "master_capable", "vm_capable",
        "remove_instance", "export_do_shutdown",
    };

    private static readonly string[] Phases = ["pre", "post"];

    public enum Severity
    {
        None,
        Warning,
        Error,
    }

    /// <summary>
    /// Checks one matcher: <paramref name="kept"/> is the matcher to use (a boolean's True/False
    /// read as Ganeti writes them). A typo is an error; a hooks path no Ganeti 3.0/3.1 fires is a
    /// warning, since a later Ganeti may add it.
    /// </summary>
    public static Severity Check(Matcher matcher, out Matcher kept, out string problem)
    {
        kept = matcher;
        problem = "";
        var equality = matcher.Op is MatchOp.Equal or MatchOp.NotEqual;
        switch (matcher.Name)
        {
            case "hook" when equality && HooksCatalog.Find(matcher.Value) is null:
                var near = NearestName.DidYouMean(matcher.Value, HooksCatalog.All.Select(p => p.Path));
                problem = near.Length > 0
                    ? $"{matcher}: there is no hooks path '{matcher.Value}'{near}"
                    : $"{matcher}: '{matcher.Value}' is not a hooks path of Ganeti 3.0 or 3.1 (docs/events.md lists them)";
                return near.Length > 0 ? Severity.Error : Severity.Warning;
            case "hook" when matcher.Op == MatchOp.Regex && !HooksCatalog.All.Any(p => matcher.Matches([p.Path])):
                problem = $"{matcher}: the expression matches no hooks path of Ganeti 3.0 or 3.1 (docs/events.md lists them)";
                return Severity.Warning;
            case "phase" when equality && !Phases.Contains(matcher.Value, StringComparer.Ordinal):
                problem = $"{matcher}: the phase is \"pre\" or \"post\"{NearestName.DidYouMean(matcher.Value, Phases)}";
                return Severity.Error;
            case EventFields.KindName or EventFields.OutcomeName or EventFields.ActionName
                when equality && EventFields.ValuesOf(matcher.Name) is var known && !known.Contains(matcher.Value, StringComparer.Ordinal):
                problem = $"{matcher}: {matcher.Name} is one of {string.Join(", ", known.Select(k => $"\"{k}\""))}{NearestName.DidYouMean(matcher.Value, known)}";
                return Severity.Error;
        }
        if (equality && Booleans.Contains(matcher.Name))
        {
            var lower = matcher.Value.ToLowerInvariant();
            if (lower is not ("true" or "false"))
            {
                problem = $"{matcher}: {matcher.Name} is \"true\" or \"false\" (Ganeti's True and False), never \"{matcher.Value}\"";
                return Severity.Error;
            }
            kept = matcher.WithValue(lower);
        }
        return Severity.None;
    }

    /// <summary>
    /// Whether any hooks path of the catalog, in one of <paramref name="phases"/> (any phase when
    /// none is given), satisfies every hook and phase matcher given.
    /// </summary>
    public static bool AnyPathCanMatch(IReadOnlyList<Matcher> matchers, params string[] phases) =>
        HooksCatalog.All.Any(p => p.Phases.Any(phase => (phases.Length == 0 || phases.Contains(phase, StringComparer.Ordinal))
            // HookRelay's own events carry the hook and phase of the run that caused them: of any kind.
            && Planner.MayMatch([.. matchers.Where(m => m.Name != EventFields.KindName)], p.Path, phase)));
}
