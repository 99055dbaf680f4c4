using System.Globalization;
using HookRelay.Events;
using HookRelay.Rules;

namespace HookRelay.Gates;

/// <summary>An absolute span of wall-clock time in the freeze's time zone, [From, To).</summary>
public sealed record LocalSpan(DateTime From, DateTime To, string? Reason)
{
    public bool Contains(DateTime local) => local >= From && local < To;
}

/// <summary>A span repeated every week on the given days, [From, To) of each such day.</summary>
public sealed record WeeklySpan(IReadOnlySet<DayOfWeek> Days, TimeSpan From, TimeSpan To, string? Reason)
{
    public bool Contains(DateTime local) => Days.Contains(local.DayOfWeek) && local.TimeOfDay >= From && local.TimeOfDay < To;
}

/// <summary>
/// freeze: a change-freeze calendar. Times are wall-clock times in one IANA time zone, compared
/// after converting the current instant to that zone, so a window written "18:00" means 18:00
/// there in summer and in winter alike. Exceptions open holes in the freeze.
/// </summary>
public sealed class FreezePolicy(TimeZoneInfo zone, IReadOnlyList<LocalSpan> windows, IReadOnlyList<WeeklySpan> weekly, IReadOnlyList<LocalSpan> exceptions) : IGatePolicy
{
    public string? Deny(HookEvent ev, EventAttributes attributes, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        if (exceptions.Any(e => e.Contains(local)))
        {
            return null;
        }
        var at = local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        if (windows.FirstOrDefault(w => w.Contains(local)) is { } window)
        {
            return $"change freeze{Why(window.Reason)} from {Format(window.From)} to {Format(window.To)} {zone.Id} (now {at})";
        }
        if (weekly.FirstOrDefault(w => w.Contains(local)) is { } recurring)
        {
            var days = string.Join(",", recurring.Days.Order().Select(d => d.ToString()[..3].ToLowerInvariant()));
            return $"change freeze{Why(recurring.Reason)} every {days} {Clock(recurring.From)}-{Clock(recurring.To)} {zone.Id} (now {at})";
        }
        return null;
    }

    private static string Clock(TimeSpan time) => time >= TimeSpan.FromHours(24) ? "24:00" : time.ToString("hh\\:mm", CultureInfo.InvariantCulture);

    private static string Why(string? reason) => string.IsNullOrEmpty(reason) ? "" : $" ({reason})";

    private static string Format(DateTime local) => local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
