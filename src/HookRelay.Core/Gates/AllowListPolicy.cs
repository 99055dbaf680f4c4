using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>
/// allow: for each attribute (disk_template, hypervisor, os, node, ...), the values permitted.
/// "node" means the instance's primary node here: where it is placed, not where the hook runs.
/// </summary>
public sealed class AllowListPolicy(IReadOnlyDictionary<string, IReadOnlyList<string>> allowed) : IGatePolicy
{
    public string? Deny(HookEvent ev, EventAttributes attributes, DateTimeOffset now)
    {
        foreach (var (name, values) in allowed)
        {
            IReadOnlyList<string> actual = name == "node" ? (ev.Instance?.Primary is { } primary ? [primary] : []) : attributes.Get(name);
            foreach (var value in actual)
            {
                if (!values.Contains(value, StringComparer.Ordinal) && !(name == "node" && values.Any(v => NodeNames.Same(v, value))))
                {
                    return $"{name.Replace('_', ' ')} '{value}' is not allowed (allowed: {string.Join(", ", values)})";
                }
            }
        }
        return null;
    }
}
