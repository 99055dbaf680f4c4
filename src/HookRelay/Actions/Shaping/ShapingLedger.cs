using System.Text.Json;

namespace HookRelay.Actions.Shaping;

/// <summary>One NIC as shaped: its tap, the class id it got on the uplink, and its rates (null: unlimited).</summary>
public sealed record ShapedTap(int Index, string Tap, int Minor, ulong? Egress, ulong? Ingress);

/// <summary>What the ledger holds for an instance on this node: its taps and the shaping tags it had.</summary>
public sealed record ShapedInstance(string Instance, IReadOnlyList<string> Tags, IReadOnlyList<ShapedTap> Taps, DateTimeOffset Since);

/// <summary>
/// Which instance's taps HookRelay shapes on this node, and how: state_dir/shaping.json, changed
/// only under its lock. A stop or a migration away removes the taps before the action runs, so
/// only the ledger still knows which taps and classes were that instance's; a reconcile after a
/// reboot knows the instances' shaping tags only from here (Ganeti gives a node no tags).
/// </summary>
public sealed class ShapingLedger : IDisposable
{
    public const string FileName = "shaping.json";
    private readonly LedgerFile _file;

    private ShapingLedger(LedgerFile file, Dictionary<string, ShapedInstance> instances)
    {
        _file = file;
        Instances = instances;
    }

    public Dictionary<string, ShapedInstance> Instances { get; }

    public static ShapingLedger Open(string stateDir, TimeSpan wait)
    {
        var file = LedgerFile.Open(stateDir, FileName, wait, "shaping");
        try
        {
            return new ShapingLedger(file, file.Read() is { } bytes ? Read(bytes) : new(StringComparer.Ordinal));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public static Dictionary<string, ShapedInstance> Peek(string stateDir) =>
        LedgerFile.Peek(stateDir, FileName) is { } bytes ? Read(bytes) : new(StringComparer.Ordinal);

    /// <summary>Which instance the ledger gives each tap to.</summary>
    public Dictionary<string, string> TapOwners() =>
        Instances.Values.SelectMany(i => i.Taps.Select(t => (t.Tap, i.Instance))).GroupBy(p => p.Tap, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Instance, StringComparer.Ordinal);

    public void Save() => _file.Write(writer =>
    {
        writer.WriteStartObject();
        foreach (var shaped in Instances.Values.OrderBy(i => i.Instance, StringComparer.Ordinal))
        {
            writer.WriteStartObject(shaped.Instance);
            writer.WriteStartArray("tags");
            foreach (var tag in shaped.Tags)
            {
                writer.WriteStringValue(tag);
            }
            writer.WriteEndArray();
            writer.WriteStartArray("taps");
            foreach (var tap in shaped.Taps)
            {
                writer.WriteStartObject();
                writer.WriteNumber("nic", tap.Index);
                writer.WriteString("tap", tap.Tap);
                writer.WriteNumber("class_minor", tap.Minor);
                writer.WriteString("egress", Rate.Format(tap.Egress));
                writer.WriteString("ingress", Rate.Format(tap.Ingress));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteString("since", LedgerFile.Stamp(shaped.Since));
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    });

    private static Dictionary<string, ShapedInstance> Read(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var instances = new Dictionary<string, ShapedInstance>(StringComparer.Ordinal);
        static ulong? RateOf(JsonElement tap, string name) =>
            Rate.TryParse(tap.GetProperty(name).GetString()!, out var rate, out _) ? rate : null;
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            var e = entry.Value;
            instances[entry.Name] = new ShapedInstance(entry.Name,
                [.. e.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)],
                [.. e.GetProperty("taps").EnumerateArray().Select(t => new ShapedTap(t.GetProperty("nic").GetInt32(), t.GetProperty("tap").GetString()!,
                    t.GetProperty("class_minor").GetInt32(), RateOf(t, "egress"), RateOf(t, "ingress")))],
                LedgerFile.ParseStamp(e.GetProperty("since").GetString()!));
        }
        return instances;
    }

    public void Dispose() => _file.Dispose();
}
