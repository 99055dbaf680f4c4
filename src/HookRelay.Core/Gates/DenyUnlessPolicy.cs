using System.Text.RegularExpressions;
using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>deny_unless: each named attribute must match its (anchored) regular expression.</summary>
public sealed class DenyUnlessPolicy(IReadOnlyDictionary<string, Regex> patterns) : IGatePolicy
{
    /// <summary>Names that read better in a policy than the attribute they stand for.</summary>
    public static string AttributeFor(string name) => name switch
    {
        "instance_name" => "instance",
        _ => name,
    };

    public string? Deny(HookEvent ev, EventAttributes attributes, DateTimeOffset now)
    {
        foreach (var (name, pattern) in patterns)
        {
            var values = attributes.Get(AttributeFor(name));
            if (values.Count == 0)
            {
                return $"{name.Replace('_', ' ')} is not set, and must match {pattern}";
            }
            foreach (var value in values)
            {
                if (!pattern.IsMatch(value))
                {
                    return $"{name.Replace('_', ' ')} '{value}' does not match {pattern}";
                }
            }
        }
        return null;
    }
}
