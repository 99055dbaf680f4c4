using HookRelay.Delivery;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Declaration;

namespace HookRelay.Actions;

/// <summary>
/// A kind of node action as configuration sees it (actions.disk_resize: ...): the settings it
/// reads, declared once, and how to build one; null for one a later version runs. When it runs is
/// in the hook's table (<see cref="NodeActionTriggers"/>), since the hook cannot load this code.
/// Every action takes <see cref="ActionKeys"/> and is driven by <see cref="Defaults"/> where
/// those are left out: a node action is retried a few times over minutes, not for a day.
/// </summary>
public sealed record ActionType(string Name, IReadOnlyList<SinkKey> OwnKeys, Func<SinkSettings, ActionHost, INodeAction>? Create) : IDeclaredKeys
{
    public static readonly DeliveryPolicy Defaults = new()
    {
        Concurrency = 2,
        MaxAttempts = 5,
        MaxAge = TimeSpan.FromHours(1),
        InitialBackoff = TimeSpan.FromSeconds(2),
        MaxBackoff = TimeSpan.FromMinutes(1),
    };

    public string Kind => "action";

    public bool Runs => Create is not null;

    public NodeActionTrigger Trigger => NodeActionTriggers.Find(Name)
        ?? throw new InvalidOperationException($"action '{Name}' has no trigger in NodeActionTriggers (a bug: please report it)");

    public IReadOnlyList<SinkKey> Keys { get; } = [.. ActionKeys.Common, .. OwnKeys, .. ActionKeys.Delivery(Defaults)];

    /// <summary>A configured action as the daemon drives it: a destination ("action:disk_resize") with its settings.</summary>
    public SinkConfig LaneOf(ActionConfig action) =>
        new(ActionDestination.For(action.Name), Kind, action.Settings, action.Position) { SettingPositions = action.SettingPositions };

    /// <summary>Its settings, read as declared; messages name the action.</summary>
    public SinkSettings SettingsOf(SinkConfig lane) => new(lane, this, $"action '{Name}'");

    /// <summary>How the daemon drives it: its settings over the action defaults.</summary>
    public DeliveryPolicy PolicyOf(SinkConfig lane) => DeliveryPolicy.From(SettingsOf(lane), Defaults.Concurrency, defaults: Defaults);
}

/// <summary>What an action may use of the node beside its settings: the state directory its ledgers and journals live in.</summary>
public sealed record ActionHost(string StateDir);

/// <summary>The settings every action takes.</summary>
public static class ActionKeys
{
    public static IReadOnlyList<SinkKey> Common { get; } =
    [
        SinkKey.Flag("enabled", "Run it (default true when the action is listed)."),
        SinkKey.TextList("matchers", "Narrow when it runs (all must match), in the syntax of a route's matchers: instance=~\"db-.*\", tag=\"pin\"."),
    ];

    public static IReadOnlyList<SinkKey> Delivery(DeliveryPolicy defaults) =>
    [
        DeliveryKeys.Concurrency(defaults, "Runs at once on this node, each for a different instance"),
        .. DeliveryKeys.Retries(defaults, "run"),
    ];
}
