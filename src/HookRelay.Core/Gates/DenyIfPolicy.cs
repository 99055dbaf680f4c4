using System.Text.RegularExpressions;
using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// deny_if: blocks what matches. Each named attribute is denied when one of its values matches
/// the regular expression (as written: anchor it with ^...$); an attribute the run does not carry
/// blocks nothing. The plain way to say "no instance names starting with test", instead of a
/// negative lookahead in deny_unless.
/// </summary>
public sealed class DenyIfPolicy(IReadOnlyDictionary<string, Regex> patterns) : IGatePolicy
{
    public string? Deny(HookEvent ev, EventAttributes attributes, DateTimeOffset now)
    {
        foreach (var (name, pattern) in patterns)
        {
            foreach (var value in attributes.Get(DenyUnlessPolicy.AttributeFor(name)))
            {
                if (pattern.IsMatch(value))
                {
                    return $"{name.Replace('_', ' ')} '{value}' matches the blocked pattern '{pattern}'";
                }
            }
        }
        return null;
    }
}
