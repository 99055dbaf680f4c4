using System.Text.Json.Nodes;
using HookRelay.Delivery;
using HookRelay.Hook;
using HookRelay.Rules;

namespace HookRelay.Reconcile;

/// <summary>
/// What a reconcile changed, or could not, as an event of its own
/// (org.hookrelay.reconcile.changed|conflicts): data.hookrelay is {kind: "reconcile", what,
/// sink, changes, conflicts, reason}. Routes take it when they ask for its kind
/// (kind="reconcile"); queued like a hook's event, and the daemon woken (or a drainer started).
/// A reconcile that found everything in place says nothing.
/// </summary>
public static class ReconcileEvent
{
    public const string TypePrefix = OwnEvent.TypePrefix + "reconcile.";

    public static byte[] Compose(string what, string sink, string cluster, int changes, string reason, int conflicts, DateTimeOffset now, Events.EventStamp? stamp = null) =>
        OwnEvent.ComposeFor(cluster, sink, TypePrefix + (conflicts > 0 ? "conflicts" : "changed"), new JsonObject
        {
            [EventFields.KindName] = EventFields.ReconcileKind,
            ["what"] = what,
            [EventFields.SinkName] = sink,
            ["changes"] = changes,
            ["conflicts"] = conflicts,
            ["reason"] = reason,
        }, now, stamp);

    public static void Publish(HookRelayConfig config, string what, string sink, string cluster, int changes, string reason, int conflicts) =>
        new OwnEvents(() => config, () => DeliveryStarter.Kick(config))
            .Publish(Compose(what, sink, cluster, changes, reason, conflicts, DateTimeOffset.UtcNow, new Events.EventStamp(Cli.VersionCommand.InformationalVersion, config.Hash)),
                $"reconcile:{what}:{sink}");
}
