using HookRelay.Actions.Shaping;

namespace HookRelay.Tests.Actions.Shaping;

public sealed class HtbTests
{
    [Fact]
    public void Burst_is_ten_milliseconds_at_the_rate()
    {
        Assert.Equal(62_500UL, Htb.Burst(50_000_000, 1500));
        Assert.Equal(750_000UL, Htb.Burst(600_000_000, 1500));
    }

    [Fact]
    public void Burst_is_never_less_than_one_full_frame()
    {
        Assert.Equal(1514UL, Htb.Burst(1_000_000, 1500));
        Assert.Equal(9014UL, Htb.Burst(5_000_000, 9000));
    }

    [Theory]
    [InlineData(600_000_000UL, 1500, 375UL)]
    [InlineData(50_000_000UL, 1500, 32UL)]
    [InlineData(1_000_000UL, 1500, 1UL)]
    [InlineData(8_000UL, 1500, 1UL)]
    public void R2q_brings_a_typical_class_just_under_htbs_quantum_ceiling_and_is_at_least_one(ulong rate, int mtu, ulong r2q) =>
        Assert.Equal(r2q, Htb.R2q(rate, mtu));

    [Fact]
    public void Every_class_gets_a_quantum_between_one_frame_and_200_kB_whatever_the_root_r2q()
    {
        ulong[] rates = [8_000, 1_000_000, 50_000_000, 600_000_000, 10_000_000_000, 100_000_000_000];
        foreach (var rootRate in rates)
        {
            var r2q = Htb.R2q(rootRate, 1500);
            foreach (var rate in rates)
            {
                Assert.InRange(Htb.Quantum(rate, r2q, 1500), 1514UL, 200_000UL);
            }
        }
    }

    [Fact]
    public void A_class_is_fixed_at_its_rate_and_does_not_borrow()
    {
        var arguments = Htb.ClassArguments(50_000_000, 32, 1500);
        Assert.Equal(["htb", "rate", "50mbit", "ceil", "50mbit", "burst", "62500", "cburst", "62500", "quantum", "195312"], arguments);
    }
}
