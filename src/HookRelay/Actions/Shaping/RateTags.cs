namespace HookRelay.Actions.Shaping;

/// <summary>The rates one NIC is shaped to, each way: null is unlimited.</summary>
/// <param name="Egress">From the instance out through the uplink.</param>
/// <param name="Ingress">Towards the instance, on its tap.</param>
public sealed record NicRates(ulong? Egress, ulong? Ingress);

/// <summary>
/// An instance's rates from its Ganeti tags, over the configuration's defaults:
/// `hookrelay:egress:200mbit` and `hookrelay:ingress:1gbit` for all its NICs,
/// `hookrelay:nic1:egress:50mbit` for one; `none` lifts a limit. Ganeti allows only
/// [\w.+*/:@-] in a tag, so the value follows a colon; `=` (egress=200mbit) is read too, for
/// tags that reach the event some other way. A tag HookRelay cannot read is named in
/// <c>problems</c> and left out (the default applies), never guessed at.
/// </summary>
public static class RateTags
{
    public const string Prefix = "hookrelay:";

    /// <summary>The tags that say something about shaping, as the ledger keeps them for a reconcile.</summary>
    public static IReadOnlyList<string> Shaping(IEnumerable<string> tags) =>
        [.. tags.Where(t => Read(t) is not null).Order(StringComparer.Ordinal)];

    public static NicRates For(int nic, IReadOnlyList<string> tags, NicRates defaults, ICollection<string> problems)
    {
        var egress = defaults.Egress;
        var ingress = defaults.Ingress;
        // The instance's own tags first, then the NIC's: the more particular wins.
        foreach (var forNic in new[] { false, true })
        {
            foreach (var tag in tags)
            {
                if (Read(tag) is not var (scope, direction, value) || (scope is null) == forNic || (scope is not null && scope != $"nic{nic}"))
                {
                    continue;
                }
                if (!Rate.TryParse(value, out var rate, out var error))
                {
                    problems.Add($"tag {tag} ignored: {error}");
                }
                else if (direction == "egress")
                {
                    egress = rate;
                }
                else
                {
                    ingress = rate;
                }
            }
        }
        return new NicRates(egress, ingress);
    }

    /// <summary>hookrelay:[nicN:]egress|ingress:VALUE into its parts; null for any other tag.</summary>
    private static (string? Scope, string Direction, string Value)? Read(string tag)
    {
        if (!tag.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = tag[Prefix.Length..].Replace('=', ':').Split(':');
        var (scope, direction, value) = parts.Length switch
        {
            2 => (null, parts[0], parts[1]),
            3 when parts[0].StartsWith("nic", StringComparison.Ordinal) => (parts[0], parts[1], parts[2]),
            _ => ((string?)null, "", ""),
        };
        return direction is "egress" or "ingress" ? (scope, direction, value) : null;
    }
}
