using System.Text.Json;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks.NetBox;

/// <summary>
/// What an event asks of NetBox. Only post events of operations on an instance ask anything (a
/// pre event is before the fact): a remove takes the VM away, a rename moves it to its new name,
/// and every other one (add, modify, grow-disk, start, stop, migrate, failover, ...) makes the VM
/// what the instance is now.
/// </summary>
public abstract record NetBoxEvent
{
    public sealed record Upsert(NetBoxInstance Instance, bool Added) : NetBoxEvent;

    public sealed record Rename(string OldName, NetBoxInstance Instance) : NetBoxEvent;

    public sealed record Remove(string Name) : NetBoxEvent;

    public static NetBoxEvent? From(EventView view)
    {
        if (view.Phase != "post" || !(view.Hook.StartsWith("instance-", StringComparison.Ordinal) || view.Hook == "disk-grow"))
        {
            return null;
        }
        var data = view.Data;
        var state = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("post", out var post) && post.TryGetProperty("instance", out var after)
            ? after
            : data.ValueKind == JsonValueKind.Object && data.TryGetProperty("instance", out var before) ? before : default;
        if (NetBoxInstance.From(state) is not { } instance)
        {
            return null;
        }
        return view.Hook switch
        {
            "instance-remove" => new Remove(instance.Name),
            "instance-rename" when view.Text("rename.new_name") is { Length: > 0 } newName && view.Text("rename.old_name") is { Length: > 0 } oldName =>
                new Rename(oldName, instance with { Name = newName }),
            _ => new Upsert(instance, view.Hook == "instance-add"),
        };
    }
}
