using System.Text;
using HookRelay.Outbox;

namespace HookRelay.Tests.Outbox;

public class ShortValuesTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\0")]
    [InlineData("\0\0")]
    [InlineData("0")]
    [InlineData("True")]
    [InlineData("kvm")]
    [InlineData("1234567")]
    [InlineData("12345678")]
    [InlineData("été")]
    [InlineData("名前")]
    [InlineData("a\u007fb")]
    public void A_value_reads_back_as_its_own_text(string value) =>
        Assert.Equal(value, ShortValues.Of(Encoding.UTF8.GetBytes(value)));

    [Fact]
    public void Values_that_differ_only_in_length_or_trailing_zero_bytes_stay_apart()
    {
        string[] values = ["", "\0", "\0\0", "a", "a\0", "\0a", "ab", "ba"];
        Assert.Equal(values, values.Select(v => ShortValues.Of(Encoding.UTF8.GetBytes(v))));
        Assert.Equal(values, values.Select(v => ShortValues.Of(Encoding.UTF8.GetBytes(v))));
    }

    [Fact]
    public void A_repeated_short_value_is_one_string()
    {
        var first = ShortValues.Of("False"u8);
        Assert.Same(first, ShortValues.Of("False"u8.ToArray()));
    }
}
