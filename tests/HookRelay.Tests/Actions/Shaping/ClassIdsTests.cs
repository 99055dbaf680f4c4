using HookRelay.Actions.Shaping;

namespace HookRelay.Tests.Actions.Shaping;

public sealed class ClassIdsTests
{
    private static readonly Dictionary<int, string> None = [];

    [Theory]
    [InlineData("tap0", 0x1000)]
    [InlineData("tap12", 0x100c)]
    [InlineData("tap4095", 0x1fff)]
    public void Ganetis_taps_map_one_to_one(string tap, int minor) => Assert.Equal(minor, ClassIds.Minor(tap, None, out _));

    [Fact]
    public void Other_names_hash_into_their_own_range_the_same_way_every_time()
    {
        var first = ClassIds.Minor("vm-web1-eth0", None, out _);
        Assert.InRange(first, 0x100, 0xfff);
        Assert.Equal(first, ClassIds.Minor("vm-web1-eth0", None, out _));
        Assert.NotEqual(first, ClassIds.Minor("vm-web2-eth0", None, out _));
    }

    [Fact]
    public void A_collision_gives_the_next_free_minor_and_names_the_holder()
    {
        var wanted = ClassIds.Minor("vm-a", None, out _);
        var taken = new Dictionary<int, string> { [wanted] = "vm-b" };

        var got = ClassIds.Minor("vm-a", taken, out var collided);

        Assert.Equal("vm-b", collided);
        Assert.NotEqual(wanted, got);
        Assert.InRange(got, 0x100, 0xfff);
    }

    [Fact]
    public void A_minor_the_tap_itself_holds_is_no_collision()
    {
        var taken = new Dictionary<int, string> { [0x1003] = "tap3" };
        Assert.Equal(0x1003, ClassIds.Minor("tap3", taken, out var collided));
        Assert.Null(collided);
    }

    [Fact]
    public void Class_ids_are_written_and_read_in_hex_under_their_major()
    {
        Assert.Equal("4852:100c", ClassIds.Format(0x4852, 0x100c));
        Assert.Equal(0x100c, ClassIds.MinorOf("4852:100c", 0x4852));
        Assert.Null(ClassIds.MinorOf("1:100c", 0x4852));
    }
}
