using System.Text.RegularExpressions;
using HookRelay.Rules;

namespace HookRelay.Tests.Rules;

/// <summary>
/// hookrelay's side (the switch off); hookrelay-hook's, bounded by the process's default, is run
/// in HookProcessTests (a route regex that backtracks without end) and held by HookBoundaryTests.
/// </summary>
public class BoundedRegexTests
{
    [Fact]
    public void A_configuration_regex_that_backtracks_without_end_gives_up_at_its_bound()
    {
        var regex = BoundedRegex.Create("^(?:(a|aa)+)$");
        Assert.Equal(BoundedRegex.Bound, regex.MatchTimeout);
        Assert.Throws<RegexMatchTimeoutException>(() => regex.IsMatch(new string('a', 60) + "!"));
    }

    [Fact]
    public void A_pattern_that_is_not_one_is_an_argument_error()
    {
        Assert.ThrowsAny<ArgumentException>(() => BoundedRegex.Create("(unclosed"));
    }
}
