using System.Globalization;

namespace HookRelay.Actions.Shaping;

/// <summary>
/// The HTB numbers, by the seed script's rules: a class may send a burst of 10 ms at its rate
/// (rate / 8 / 100 bytes, never less than one full frame), and the quantum each class lends per
/// round is its rate / r2q bytes, with r2q worked out from the rate and the MTU (at least 1) so
/// that the quantum stays between one frame and HTB's 200 kB ceiling: tc warns "quantum of class
/// is big" outside it, and a class with a quantum under the MTU is unfair to full frames.
/// </summary>
public static class Htb
{
    private const ulong MaxQuantum = 200_000;

    /// <summary>The frame on the wire: the MTU and the Ethernet header.</summary>
    public static ulong Frame(int mtu) => (ulong)mtu + 14;

    public static ulong Burst(ulong rate, int mtu) => Math.Max(rate / 8 / 100, Frame(mtu));

    /// <summary>The root's r2q for a typical class of <paramref name="rate"/>: its quantum just under HTB's ceiling, never under one frame.</summary>
    public static ulong R2q(ulong rate, int mtu)
    {
        var bytes = rate / 8;
        var highest = Math.Max(1, bytes / Frame(mtu));
        return Math.Clamp((bytes + MaxQuantum - 1) / MaxQuantum, 1, highest);
    }

    /// <summary>A class's own quantum under the root's r2q, held between one frame and the ceiling: every class gets it explicitly, so none warns.</summary>
    public static ulong Quantum(ulong rate, ulong r2q, int mtu) => Math.Clamp(rate / 8 / r2q, Frame(mtu), MaxQuantum);

    /// <summary>tc's arguments for a leaf class at a fixed rate (rate = ceil: an instance does not borrow).</summary>
    public static string[] ClassArguments(ulong rate, ulong r2q, int mtu) =>
    [
        "htb", "rate", Rate.Format(rate), "ceil", Rate.Format(rate),
        "burst", Bytes(Burst(rate, mtu)), "cburst", Bytes(Burst(rate, mtu)), "quantum", Bytes(Quantum(rate, r2q, mtu)),
    ];

    private static string Bytes(ulong bytes) => bytes.ToString(CultureInfo.InvariantCulture);
}
