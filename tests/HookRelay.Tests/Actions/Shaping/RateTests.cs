using HookRelay.Actions.Shaping;

namespace HookRelay.Tests.Actions.Shaping;

public sealed class RateTests
{
    [Theory]
    [InlineData("200mbit", 200_000_000UL)]
    [InlineData("1gbit", 1_000_000_000UL)]
    [InlineData("512kbit", 512_000UL)]
    [InlineData("64000bit", 64_000UL)]
    [InlineData(" 50MBIT ", 50_000_000UL)]
    public void Operator_rates_read_in_tcs_decimal_units(string text, ulong bits)
    {
        Assert.True(Rate.TryParse(text, out var rate, out var error), error);
        Assert.Equal(bits, rate);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("unlimited")]
    public void None_and_unlimited_lift_the_limit(string text)
    {
        Assert.True(Rate.TryParse(text, out var rate, out _));
        Assert.Null(rate);
    }

    [Theory]
    [InlineData("200")]
    [InlineData("200mb")]
    [InlineData("0mbit")]
    [InlineData("fast")]
    [InlineData("-5mbit")]
    public void Anything_else_is_refused_with_a_reason_naming_it(string text)
    {
        Assert.False(Rate.TryParse(text, out _, out var error));
        Assert.Contains($"'{text}' is not a rate", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(600_000_000UL, "600mbit")]
    [InlineData(1_500_000UL, "1500kbit")]
    [InlineData(2_000_000_000UL, "2gbit")]
    [InlineData(1_234UL, "1234bit")]
    public void Rates_are_said_in_the_largest_unit_that_divides_them(ulong bits, string text) => Assert.Equal(text, Rate.Format(bits));

    [Theory]
    [InlineData("50Mbit", 50_000_000UL)]
    [InlineData("1500Kbit", 1_500_000UL)]
    [InlineData("1.2Gbit", 1_200_000_000UL)]
    [InlineData("800bit", 800UL)]
    public void Rates_as_tc_prints_them_read_back(string printed, ulong bits) => Assert.Equal(bits, Rate.FromTc(printed));

    [Theory]
    [InlineData("62500b", 62500UL)]
    [InlineData("61Kb", 62464UL)]
    [InlineData("2Mb", 2097152UL)]
    public void Sizes_as_tc_prints_them_read_back_in_binary_units(string printed, ulong bytes) => Assert.Equal(bytes, Rate.BytesFromTc(printed));
}
