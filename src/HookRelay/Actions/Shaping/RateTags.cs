namespace HookRelay.Actions.Shaping;

/// <summary>The rates one NIC is shaped to, each way: null is unlimited.</summary>
/// <param name="Egress">From the instance out through the uplink.</param>
/// <param name="Ingress">Towards the instance, on its tap.</param>
public sealed record NicRates(ulong? Egress, ulong? Ingress);

/// <summary>
/// An instance's rates from its Ganeti tags, over the configuration's defaults:
/// `hookrelay:egress=200mbit` and `hookrelay:ingress=1gbit` for all its NICs,
/// `hookrelay:nic1:egress=50mbit` for one; `none` lifts a limit. A tag HookRelay cannot read is
/// named in <c>problems</c> and left out (the default applies), never guessed at.
/// </summary>
public static class RateTags
{
    public const string Prefix = "hookrelay:";

    /// <summary>The tags that say something about shaping, as the ledger keeps them for a reconcile.</summary>
    public static IReadOnlyList<string> Shaping(IEnumerable<string> tags) =>
        [.. tags.Where(t => t.StartsWith(Prefix, StringComparison.Ordinal) && (t.Contains("egress=", StringComparison.Ordinal) || t.Contains("ingress=", StringComparison.Ordinal))).Order(StringComparer.Ordinal)];

    public static NicRates For(int nic, IReadOnlyList<string> tags, NicRates defaults, ICollection<string> problems)
    {
        var egress = defaults.Egress;
        var ingress = defaults.Ingress;
        // The instance's own tags first, then the NIC's: the more particular wins.
        foreach (var forNic in new[] { false, true })
        {
            foreach (var tag in tags.Where(t => t.StartsWith(Prefix, StringComparison.Ordinal)))
            {
                var body = tag[Prefix.Length..];
                var equals = body.IndexOf('=', StringComparison.Ordinal);
                if (equals < 0)
                {
                    continue;
                }
                var key = body[..equals].Split(':');
                var (scope, direction) = key.Length == 2 ? (key[0], key[1]) : (null, key[0]);
                if (direction is not ("egress" or "ingress") || (scope is null) == forNic || (scope is not null && scope != $"nic{nic}"))
                {
                    continue;
                }
                if (!Rate.TryParse(body[(equals + 1)..], out var rate, out var error))
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
}
