using System.Text.Json;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks.Dns;

/// <summary>
/// What an event asks of DNS: the records some instances should have now (none for an instance
/// removed, or the old name of a rename) and which instances' records it decides. Only post
/// events of instance operations ask anything: a pre event is before the fact, and other objects
/// have no records.
/// </summary>
public sealed record DnsEvent(IReadOnlyList<DnsInstance> Present, IReadOnlySet<string> Scope)
{
    public static DnsEvent? From(EventView view)
    {
        if (view.Phase != "post" || !view.Hook.StartsWith("instance-", StringComparison.Ordinal)
            || (view.Data.TryGetProperty("post", out var post) && post.TryGetProperty("instance", out var after) ? after : Instance(view)) is not { } instance
            || instance.StringOf("name") is not { Length: > 0 } name)
        {
            return null;
        }
        var nics = instance.TryGetProperty("nics", out var list) && list.ValueKind == JsonValueKind.Array ? [.. list.EnumerateArray().Select(Nic)] : Array.Empty<DnsNic>();
        return view.Hook switch
        {
            "instance-remove" => new DnsEvent([], Set(name)),
            "instance-rename" when view.Text("rename.new_name") is { Length: > 0 } newName && view.Text("rename.old_name") is { Length: > 0 } oldName =>
                new DnsEvent([new DnsInstance(newName, nics)], Set(oldName, newName)),
            _ => new DnsEvent([new DnsInstance(name, nics)], Set(name)),
        };
    }

    private static JsonElement? Instance(EventView view) =>
        view.Data.ValueKind == JsonValueKind.Object && view.Data.TryGetProperty("instance", out var instance) && instance.ValueKind == JsonValueKind.Object ? instance : null;

    private static HashSet<string> Set(params string[] names) => new(names, StringComparer.Ordinal);

    private static DnsNic Nic(JsonElement nic)
    {
        var network = nic.TryGetProperty("network", out var n) && n.ValueKind == JsonValueKind.Object ? n : (JsonElement?)null;
        var index = nic.TryGetProperty("index", out var i) && i.TryGetInt32(out var value) ? value : 0;
        return new DnsNic(index, nic.StringOf("ip"), nic.StringOf("mac"), network?.StringOf("name"), network?.StringOf("subnet6"));
    }

    /// <summary>The names to read before planning: every name the scope's instances may own, with their owner records.</summary>
    public static IEnumerable<string> WithOwners(IEnumerable<string> names) => names.SelectMany(n => new[] { n, OwnerRecord.NameFor(n) });
}
