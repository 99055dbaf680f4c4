using System.Globalization;

namespace HookRelay.Rules;

/// <summary>Durations as the schema writes them: 500ms, 2s, 1m, 1h, 7d.</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var unitStart = 0;
        while (unitStart < text.Length && char.IsAsciiDigit(text[unitStart]))
        {
            unitStart++;
        }
        if (unitStart == 0 || !long.TryParse(text.AsSpan(0, unitStart), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n > 86_400_000 || (text[unitStart..] == "d" && n > 36_500))
        {
            return false;
        }
        TimeSpan? parsed = text[unitStart..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            "d" => TimeSpan.FromDays(n),
            _ => null,
        };
        if (parsed is not { } v)
        {
            return false;
        }
        value = v;
        return true;
    }

    /// <summary>A duration as the schema writes it, in the largest unit that divides it (days from two on): 24h, 7d, 5m, 1s, 500ms.</summary>
    public static string Format(TimeSpan value) => value switch
    {
        { Ticks: 0 } => "0s",
        _ when value.TotalDays >= 2 && value.TotalDays == Math.Floor(value.TotalDays) => $"{value.TotalDays:0}d",
        _ when value.TotalHours == Math.Floor(value.TotalHours) => $"{value.TotalHours:0}h",
        _ when value.TotalMinutes == Math.Floor(value.TotalMinutes) => $"{value.TotalMinutes:0}m",
        _ when value.TotalSeconds == Math.Floor(value.TotalSeconds) => $"{value.TotalSeconds:0}s",
        _ => $"{value.TotalMilliseconds:0}ms",
    };
}
