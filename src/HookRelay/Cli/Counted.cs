using System.Globalization;

namespace HookRelay.Cli;

/// <summary>"1 delivery", "2 deliveries": counts as an operator reads them.</summary>
public static class Counted
{
    public static string Of(long count, string one, string many) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? one : many);
}
