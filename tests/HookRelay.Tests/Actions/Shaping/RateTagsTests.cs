using HookRelay.Actions.Shaping;

namespace HookRelay.Tests.Actions.Shaping;

public sealed class RateTagsTests
{
    private static readonly NicRates Defaults = new(600_000_000, null);

    [Fact]
    public void Without_tags_a_nic_gets_the_defaults()
    {
        var problems = new List<string>();
        Assert.Equal(Defaults, RateTags.For(0, ["env:prod", "web"], Defaults, problems));
        Assert.Empty(problems);
    }

    [Fact]
    public void Instance_tags_set_every_nic_and_a_nic_tag_wins_for_its_nic()
    {
        string[] tags = ["hookrelay:egress:200mbit", "hookrelay:ingress:1gbit", "hookrelay:nic1:egress:50mbit"];
        var problems = new List<string>();

        Assert.Equal(new NicRates(200_000_000, 1_000_000_000), RateTags.For(0, tags, Defaults, problems));
        Assert.Equal(new NicRates(50_000_000, 1_000_000_000), RateTags.For(1, tags, Defaults, problems));
        Assert.Empty(problems);
    }

    [Fact]
    public void None_lifts_a_default_limit()
    {
        Assert.Equal(new NicRates(null, null), RateTags.For(0, ["hookrelay:egress:none"], Defaults, []));
    }

    [Fact]
    public void An_equals_sign_reads_like_the_colon_ganeti_requires()
    {
        Assert.Equal(new NicRates(200_000_000, null), RateTags.For(0, ["hookrelay:egress=200mbit"], Defaults, []));
    }

    [Fact]
    public void A_tag_that_is_not_a_rate_is_named_and_the_default_applies()
    {
        var problems = new List<string>();
        Assert.Equal(Defaults, RateTags.For(0, ["hookrelay:egress:fast"], Defaults, problems));
        Assert.Equal("tag hookrelay:egress:fast ignored: 'fast' is not a rate (a number with bit, kbit, mbit or gbit: 200mbit; or none)", Assert.Single(problems));
    }

    [Fact]
    public void The_ledger_keeps_only_the_shaping_tags()
    {
        Assert.Equal(["hookrelay:egress:1gbit", "hookrelay:nic0:ingress:5mbit"],
            RateTags.Shaping(["web", "hookrelay:nic0:ingress:5mbit", "hookrelay:pin", "hookrelay:egress:1gbit"]));
    }
}
