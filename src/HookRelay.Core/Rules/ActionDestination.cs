namespace HookRelay.Rules;

/// <summary>
/// An action queued for this node's daemon is a delivery like any other (retries, ordering per
/// instance, dead letters, replay), to a destination named "action:disk_resize". Sink names
/// cannot hold a colon (the schema's pattern), so the two never meet.
/// </summary>
public static class ActionDestination
{
    public const string Prefix = "action:";

    /// <summary>What the delivery row's routes column says for an action's row.</summary>
    public const string Route = "action";

    public static string For(string action) => Prefix + action;

    public static bool IsAction(string destination, out string action)
    {
        var yes = destination.StartsWith(Prefix, StringComparison.Ordinal);
        action = yes ? destination[Prefix.Length..] : "";
        return yes;
    }

    /// <summary>How messages name a destination: "action 'disk_resize'" or "sink 'chat'".</summary>
    public static string Describe(string destination) =>
        IsAction(destination, out var action) ? $"action '{action}'" : $"sink '{destination}'";
}
