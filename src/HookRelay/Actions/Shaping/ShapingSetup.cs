namespace HookRelay.Actions.Shaping;

/// <summary>
/// Where and how this node shapes: the uplink whose HTB root holds one class per shaped tap, the
/// handle major of every qdisc HookRelay makes (its mark of ownership: a qdisc with another
/// handle is someone else's and never touched), the default rates, and Ganeti's NIC directory.
/// </summary>
public sealed record ShapingSetup(string Uplink, int Major, NicRates Defaults, string NicDir)
{
    /// <summary>HookRelay's own nftables table, in the bridge family (bridged NICs) and the inet family (routed NICs).</summary>
    public const string Table = "hookrelay";

    public const string Map = "egress";

    public static readonly string[] Families = ["bridge", "inet"];

    /// <summary>"HR" in hex: a major an operator's own scripts are unlikely to have picked.</summary>
    public const int DefaultMajor = 0x4852;

    public string Handle => $"{Major:x}:";
}
