using System.Text.RegularExpressions;
using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>require_tags: every pattern must match at least one of the instance's tags.</summary>
public sealed class RequiredTagsPolicy(IReadOnlyList<Regex> required) : IGatePolicy
{
    public string? Deny(HookEvent ev, EventAttributes attributes, DateTimeOffset now)
    {
        var tags = ev.Instance?.Tags ?? [];
        var missing = required.FirstOrDefault(pattern => !tags.Any(pattern.IsMatch));
        return missing is null
            ? null
            : $"instance '{ev.Instance?.Name ?? ev.Target}' has no tag matching {missing} (tags: {(tags.Count == 0 ? "none" : string.Join(", ", tags))})";
    }
}

/// <summary>protect_tag: an instance carrying this tag may not be touched by the operations the gate matches.</summary>
public sealed class ProtectTagPolicy(string tag) : IGatePolicy
{
    public string? Deny(HookEvent ev, EventAttributes attributes, DateTimeOffset now) =>
        ev.Instance?.Tags.Contains(tag) == true
            ? $"instance '{ev.Instance.Name}' is tagged '{tag}'; remove the tag first to {ev.Hook} it"
            : null;
}
