using HookRelay.Rules;

namespace HookRelay.Actions;

/// <summary>Every node action, those this version runs and those a later one will, in the order the schema lists them.</summary>
public static class ActionTypes
{
    public static IReadOnlyList<ActionType> All { get; } =
    [
        Qemu.DiskResizeAction.Declaration,
        Pinning.CpuPinningAction.Declaration,
        Shaping.ShapingAction.Declaration,
    ];

    public static ActionType? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>The configured actions this node's daemon runs (enabled, and built by this version), with their types.</summary>
    public static IEnumerable<(ActionConfig Action, ActionType Type)> Runnable(HookRelayConfig config) =>
        from action in config.Actions
        where action.Enabled && action.Runs
        let type = Find(action.Name)
        where type is { Runs: true }
        select (action, type);
}
