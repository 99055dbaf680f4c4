namespace HookRelay.Actions.Shaping;

/// <summary>A tap as it should be shaped: whose, which NIC, its class minor on the uplink, its rates.</summary>
public sealed record DesiredTap(string Instance, int Index, string Tap, int Minor, NicRates Rates);

/// <summary>A tap the ledger gave an instance that should no longer be shaped for it.</summary>
public sealed record ReleasedTap(string Instance, ShapedTap Tap);

/// <summary>One change, said as an operator reads it, with the tc batch lines and nft lines that make it.</summary>
public sealed record PlanStep(string Says, IReadOnlyList<string> Tc, IReadOnlyList<string> Nft);

/// <summary>What the kernel has that a plan is made against.</summary>
public sealed record KernelView(UplinkState Uplink, IReadOnlyList<NftTable> Tables, IReadOnlyDictionary<string, TapState> Taps);

/// <summary>
/// The changes that take the kernel from what it has to what is desired, and nothing else: a
/// class whose rate already holds is left alone (its counters with it), a qdisc or table that is
/// not HookRelay's is never changed but named in <see cref="Conflicts"/>. An empty plan is the
/// sign of a second run.
/// </summary>
public sealed record ShapingPlan(IReadOnlyList<PlanStep> Steps, IReadOnlyList<string> Conflicts)
{
    public bool Empty => Steps.Count == 0;
}
