using System.Globalization;

namespace HookRelay.Events;

/// <summary>Lenient readers for Ganeti's stringly typed values: bad input yields null, never an exception.</summary>
internal static class GanetiValues
{
    public static bool? Bool(string? value) => value switch
    {
        "True" or "true" => true,
        "False" or "false" => false,
        _ => null,
    };

    public static long? Long(string? value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static int? Int(string? value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>Ganeti joins lists with single spaces; an empty value is an empty list.</summary>
    public static IReadOnlyList<string> List(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
