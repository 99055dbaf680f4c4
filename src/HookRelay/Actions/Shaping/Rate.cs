using System.Globalization;
using System.Text.RegularExpressions;

namespace HookRelay.Actions.Shaping;

/// <summary>
/// A rate as tc and operators write it: 200mbit, 1gbit, 512kbit, in bits per second with tc's
/// decimal units. "none" or "unlimited" is no limit (null).
/// </summary>
public static partial class Rate
{
    public const string Pattern = "^([0-9]+(bit|kbit|mbit|gbit)|none|unlimited)$";

    private static readonly (string Unit, ulong Factor)[] Units = [("gbit", 1_000_000_000), ("mbit", 1_000_000), ("kbit", 1_000), ("bit", 1)];

    /// <summary>Parses an operator's rate; false (with the reason) for anything else.</summary>
    public static bool TryParse(string text, out ulong? bitsPerSecond, out string? error)
    {
        bitsPerSecond = null;
        error = null;
        var trimmed = text.Trim().ToLowerInvariant();
        if (trimmed is "none" or "unlimited")
        {
            return true;
        }
        var match = OperatorRate().Match(trimmed);
        if (!match.Success || !ulong.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number == 0)
        {
            error = $"'{text}' is not a rate (a number with bit, kbit, mbit or gbit: 200mbit; or none)";
            return false;
        }
        bitsPerSecond = number * Units.First(u => u.Unit == match.Groups[2].Value).Factor;
        return true;
    }

    /// <summary>How tc is told it, and how HookRelay says it: the largest unit that divides it exactly.</summary>
    public static string Format(ulong bitsPerSecond)
    {
        var (unit, factor) = Units.First(u => bitsPerSecond % u.Factor == 0);
        return string.Create(CultureInfo.InvariantCulture, $"{bitsPerSecond / factor}{unit}");
    }

    public static string Format(ulong? bitsPerSecond) => bitsPerSecond is { } rate ? Format(rate) : "unlimited";

    /// <summary>A rate as tc prints it back (50Mbit, 1500Kbit, 1.2Gbit, 800bit).</summary>
    public static ulong? FromTc(string printed)
    {
        var match = TcRate().Match(printed);
        if (!match.Success)
        {
            return null;
        }
        var factor = match.Groups[2].Value.ToLowerInvariant() switch
        {
            "k" => 1_000d,
            "m" => 1_000_000d,
            "g" => 1_000_000_000d,
            _ => 1d,
        };
        return (ulong)Math.Round(double.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) * factor);
    }

    /// <summary>A size as tc prints it back (62500b, 61Kb, 2Mb: binary units), in bytes.</summary>
    public static ulong? BytesFromTc(string printed)
    {
        var match = TcSize().Match(printed);
        if (!match.Success)
        {
            return null;
        }
        var factor = match.Groups[2].Value switch
        {
            "Kb" => 1024d,
            "Mb" => 1024d * 1024,
            _ => 1d,
        };
        return (ulong)Math.Round(double.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) * factor);
    }

    [GeneratedRegex("^([0-9]+)(bit|kbit|mbit|gbit)$")]
    private static partial Regex OperatorRate();

    [GeneratedRegex("^([0-9.]+)([KMG]?)bit$", RegexOptions.IgnoreCase)]
    private static partial Regex TcRate();

    [GeneratedRegex("^([0-9.]+)(b|Kb|Mb)$")]
    private static partial Regex TcSize();
}
