using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HookRelay.Actions.Shaping;

/// <summary>An HTB class as the kernel reports it, with its counters.</summary>
public sealed record HtbClass(int Minor, ulong Rate, ulong Ceil, ulong Burst, ulong Quantum, ulong SentBytes, ulong SentPackets, ulong Dropped);

/// <summary>A device's root qdisc: its kind and handle ("0:" is the kernel's default, nobody's).</summary>
public sealed record RootQdisc(string Kind, string Handle, ulong Bytes, ulong Packets, ulong Drops)
{
    public bool IsDefault => Handle == "0:";
}

/// <summary>One family's table: whether it exists, whether its classifying rule is there, and its tap → class id elements.</summary>
public sealed record NftTable(string Family, bool Exists, bool HasRule, IReadOnlyDictionary<string, string> Elements);

/// <summary>A tap as the kernel has it: null root when the tap does not exist; the class HookRelay's HTB on it limits to.</summary>
public sealed record TapState(string Tap, RootQdisc? Root, HtbClass? Class)
{
    public bool Exists => Root is not null;
}

/// <summary>The uplink as the kernel has it: null MTU when it does not exist.</summary>
public sealed record UplinkState(int? Mtu, RootQdisc? Root, IReadOnlyDictionary<int, HtbClass> Classes);

/// <summary>
/// Reads what is really in the kernel, through tc, nft and ip: the truth a plan is made against
/// (the ledger says what HookRelay did, not what still holds). tc of iproute2 6.1 prints HTB
/// classes only as text even under -j, so classes are read from the detailed text listing.
/// </summary>
public sealed partial class KernelShaping(NodeTool tool, ShapingSetup setup)
{
    public async Task<UplinkState> UplinkAsync(CancellationToken cancellationToken)
    {
        var link = await tool.RunAsync(["ip", "-j", "link", "show", "dev", setup.Uplink], null, cancellationToken).ConfigureAwait(false);
        if (!link.Ok)
        {
            return new UplinkState(null, null, new Dictionary<int, HtbClass>());
        }
        using var parsed = JsonDocument.Parse(link.Output);
        var mtu = parsed.RootElement[0].GetProperty("mtu").GetInt32();
        var root = await RootAsync(setup.Uplink, cancellationToken).ConfigureAwait(false);
        var classes = root is { Kind: "htb" } && root.Handle == setup.Handle
            ? await ClassesAsync(setup.Uplink, cancellationToken).ConfigureAwait(false)
            : new Dictionary<int, HtbClass>();
        return new UplinkState(mtu, root, classes);
    }

    public async Task<TapState> TapAsync(string tap, CancellationToken cancellationToken)
    {
        var root = await RootAsync(tap, cancellationToken).ConfigureAwait(false);
        var ours = root is { Kind: "htb" } && root.Handle == setup.Handle
            ? (await ClassesAsync(tap, cancellationToken).ConfigureAwait(false)).GetValueOrDefault(1)
            : null;
        return new TapState(tap, root, ours);
    }

    public async Task<NftTable> TableAsync(string family, CancellationToken cancellationToken)
    {
        var run = await tool.RunAsync(["nft", "-j", "list", "table", family, ShapingSetup.Table], null, cancellationToken).ConfigureAwait(false);
        if (!run.Ok)
        {
            // Absent ("No such file or directory") is the normal start; anything else is worth saying.
            return run.Errors.Contains("No such file or directory", StringComparison.Ordinal)
                ? new NftTable(family, false, false, new Dictionary<string, string>())
                : throw new NodeToolException($"nft list table {family} {ShapingSetup.Table}: {run.Complaint}");
        }
        using var parsed = JsonDocument.Parse(run.Output);
        var elements = new Dictionary<string, string>(StringComparer.Ordinal);
        var hasRule = false;
        foreach (var item in parsed.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("map", out var map) && map.GetProperty("name").GetString() == ShapingSetup.Map && map.TryGetProperty("elem", out var elem))
            {
                foreach (var pair in elem.EnumerateArray())
                {
                    elements[pair[0].GetString()!] = pair[1].GetString()!;
                }
            }
            else if (item.TryGetProperty("rule", out var rule) && rule.GetProperty("chain").GetString() == "forward"
                && rule.GetProperty("expr").GetRawText().Contains("@" + ShapingSetup.Map, StringComparison.Ordinal))
            {
                hasRule = true;
            }
        }
        return new NftTable(family, true, hasRule, elements);
    }

    private async Task<RootQdisc?> RootAsync(string device, CancellationToken cancellationToken)
    {
        var run = await tool.RunAsync(["tc", "-s", "-j", "qdisc", "show", "dev", device, "root"], null, cancellationToken).ConfigureAwait(false);
        if (!run.Ok)
        {
            return run.Errors.Contains("Cannot find device", StringComparison.Ordinal) ? null
                : throw new NodeToolException($"tc qdisc show dev {device}: {run.Complaint}");
        }
        using var parsed = JsonDocument.Parse(run.Output);
        foreach (var qdisc in parsed.RootElement.EnumerateArray())
        {
            if (qdisc.TryGetProperty("root", out var root) && root.GetBoolean())
            {
                static ulong Count(JsonElement q, string name) => q.TryGetProperty(name, out var v) ? v.GetUInt64() : 0;
                return new RootQdisc(qdisc.GetProperty("kind").GetString()!, qdisc.GetProperty("handle").GetString()!,
                    Count(qdisc, "bytes"), Count(qdisc, "packets"), Count(qdisc, "drops"));
            }
        }
        return null;
    }

    private async Task<Dictionary<int, HtbClass>> ClassesAsync(string device, CancellationToken cancellationToken)
    {
        var text = await tool.RequireAsync(["tc", "-s", "-d", "class", "show", "dev", device], null, cancellationToken).ConfigureAwait(false);
        return ParseClasses(text, setup.Major);
    }

    /// <summary>The HTB classes under <paramref name="major"/> in tc's detailed text listing, with their "Sent" counters.</summary>
    public static Dictionary<int, HtbClass> ParseClasses(string text, int major)
    {
        var classes = new Dictionary<int, HtbClass>();
        foreach (Match block in ClassBlock().Matches(text))
        {
            if (ClassIds.MinorOf(block.Groups["id"].Value, major) is not { } minor)
            {
                continue;
            }
            var body = block.Value;
            string Field(string name) => Regex.Match(body, $@"\b{name} (\S+)").Groups[1].Value;
            ulong Number(string pattern) => Regex.Match(body, pattern) is { Success: true } m ? ulong.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : 0;
            classes[minor] = new HtbClass(minor,
                Rate.FromTc(Field("rate")) ?? 0, Rate.FromTc(Field("ceil")) ?? 0,
                Rate.BytesFromTc(Field("burst").Split('/')[0]) ?? 0, Number(@"\bquantum (\d+)"),
                Number(@"Sent (\d+) bytes"), Number(@"bytes (\d+) pkt"), Number(@"dropped (\d+)"));
        }
        return classes;
    }

    [GeneratedRegex(@"^class htb (?<id>[0-9a-f]+:[0-9a-f]+)[^\n]*(\n(?!class )[^\n]*)*", RegexOptions.Multiline)]
    private static partial Regex ClassBlock();
}
