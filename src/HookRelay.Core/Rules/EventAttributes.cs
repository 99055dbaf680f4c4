using HookRelay.Events;

namespace HookRelay.Rules;

/// <summary>
/// The names matchers and templates can use on an event. A few curated names (listed in
/// docs/matchers.md) come first; then every GANETI_* variable is available by its lower-cased
/// name without the prefix (GANETI_MIGRATE_LIVE → migrate_live). Python booleans read as
/// "true"/"false" so that migrate_live="true" works as people write it.
/// </summary>
public sealed class EventAttributes
{
    private static readonly Dictionary<string, Func<HookEvent, IReadOnlyList<string>>> Curated =
        new(StringComparer.Ordinal)
        {
            ["hook"] = e => One(e.Hook),
            ["phase"] = e => One(e.Phase),
            ["hooks_version"] = e => One(e.HooksVersion),
            ["known_hook"] = e => One(e.KnownHook ? "true" : "false"),
            ["op_code"] = e => One(e.OpCode),
            ["object_type"] = e => One(e.ObjectType),
            ["target"] = e => One(e.Target),
            ["cluster"] = e => One(e.Cluster),
            ["master"] = e => One(e.Master),
            ["node"] = e => One(e.Node.Name),
            ["role"] = e => e.Node.Roles,
            ["instance"] = e => One(e.Instance?.Name),
            ["instance_secondaries"] = e => e.Instance?.Secondaries ?? [],
            ["tag"] = e => e.Instance?.Tags ?? e.ClusterInfo?.Tags ?? [],
            ["os"] = e => One(e.Instance?.Os),
            ["disk_template"] = e => One(e.Instance?.DiskTemplate),
            ["hypervisor"] = e => One(e.Instance?.Hypervisor),
            ["new_name"] = e => One(e.Rename?.NewName),
            // Set in the pre phase once gates ran: "deny" if any gate stopped the operation, else "allow".
            ["verdict"] = e => e.Gates is { Count: > 0 } gates ? [gates.Any(g => !g.Allowed) ? "deny" : "allow"] : [],
            ["denied_by"] = e => e.Gates?.Where(g => !g.Allowed).Select(g => g.Name).ToList() ?? [],
            // Gates that could not decide (error, timeout), whatever their on_error made of it.
            ["gate_failed"] = e => e.Gates?.Where(g => g.Verdict is "error" or "timeout").Select(g => g.Name).ToList() ?? [],
        };

    public static IReadOnlyCollection<string> CuratedNames => Curated.Keys;

    private readonly HookEvent _event;
    private Dictionary<string, string>? _raw;

    public EventAttributes(HookEvent ev) => _event = ev;

    public IReadOnlyList<string> Get(string name)
    {
        if (Curated.TryGetValue(name, out var read))
        {
            return read(_event);
        }
        _raw ??= BuildRaw(_event.Env);
        return _raw.TryGetValue(name, out var value) ? [value] : [];
    }

    /// <summary>The single value of an attribute, or the empty string, as Alertmanager reads a missing label.</summary>
    public string GetText(string name) => Get(name) is { Count: > 0 } values ? string.Join(" ", values) : "";

    private static Dictionary<string, string> BuildRaw(SortedDictionary<string, string> env)
    {
        var raw = new Dictionary<string, string>(env.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in env)
        {
            raw[key[HookEventParser.Prefix.Length..]] = value switch
            {
                "True" => "true",
                "False" => "false",
                _ => value,
            };
        }
        return raw;
    }

    private static IReadOnlyList<string> One(string? value) => value is null ? [] : [value];
}
