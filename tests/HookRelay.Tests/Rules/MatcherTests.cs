using System.Text.RegularExpressions;
using HookRelay.Rules;

namespace HookRelay.Tests.Rules;

public class MatcherTests
{
    // matcher, attribute values, expected: Alertmanager semantics, plus any/none for multi-valued attributes.
    public static TheoryData<string, string[], bool> Table() => new()
    {
        { "hook=\"instance-migrate\"", ["instance-migrate"], true },
        { "hook=\"instance-migrate\"", ["instance-migrate-x"], false },
        { "hook!=\"instance-migrate\"", ["instance-add"], true },
        { "hook!=\"instance-migrate\"", ["instance-migrate"], false },
        { "hook=~\"instance-(add|remove)\"", ["instance-add"], true },
        // Anchored at both ends, as in Alertmanager.
        { "hook=~\"instance\"", ["instance-add"], false },
        { "hook=~\"instance.*\"", ["instance-add"], true },
        { "hook!~\"instance-.*\"", ["node-add"], true },
        { "hook!~\"instance-.*\"", ["instance-add"], false },
        // A missing attribute reads as the empty string.
        { "migrate_live=\"true\"", [], false },
        { "migrate_live=\"\"", [], true },
        { "migrate_live!=\"true\"", [], true },
        { "migrate_live=~\".*\"", [], true },
        { "migrate_live=~\".+\"", [], false },
        // Multi-valued: positive needs one value, negative needs none.
        { "tag=\"web\"", ["env:prod", "web"], true },
        { "tag=\"db\"", ["env:prod", "web"], false },
        { "tag!=\"no-notify\"", ["env:prod", "web"], true },
        { "tag!=\"no-notify\"", ["web", "no-notify"], false },
        { "tag=~\"env:.*\"", ["env:prod", "web"], true },
        { "tag!~\"env:.*\"", ["env:prod", "web"], false },
        { "tag!=\"x\"", [], true },
        // Unquoted values and spaces around the operator are accepted.
        { "phase=post", ["post"], true },
        { "phase = \"post\"", ["post"], true },
        // Escapes inside quotes.
        { "instance=\"a\\\"b\"", ["a\"b"], true },
        { "instance=~\"web-\\d+\"", ["web-12"], true },
        { "instance=~\"web-\\d+\"", ["web-x"], false },
        { "instance=~\"a\\.b\"", ["axb"], false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Matcher_follows_alertmanager_semantics(string text, string[] values, bool expected)
    {
        Assert.True(Matcher.TryParse(text, out var matcher, out var error), error);
        Assert.Equal(expected, matcher!.Matches(values));
    }

    [Theory]
    [InlineData("hook", "not a matcher")]
    [InlineData("=\"x\"", "not a matcher")]
    [InlineData("1hook=\"x\"", "not a matcher")]
    [InlineData("hook==\"x\"", "unbalanced")]
    [InlineData("hook=\"x", "unbalanced")]
    [InlineData("hook=\"a\"b\"", "unescaped")]
    [InlineData("hook=\"x\\\"", "unfinished escape")]
    [InlineData("hook=~\"(\"", "invalid regular expression")]
    public void Bad_matcher_says_what_is_wrong(string text, string expected)
    {
        Assert.False(Matcher.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains(text, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hook=\"instance-migrate\"")]
    [InlineData("tag!~\"a\\\"b\"")]
    [InlineData("instance=~\"web-\\d+\"")]
    public void Matcher_prints_as_it_parses(string text)
    {
        Assert.True(Matcher.TryParse(text, out var first, out _));
        Assert.True(Matcher.TryParse(first!.ToString(), out var second, out _));
        Assert.Equal(first.ToString(), second!.ToString());
        Assert.Equal(first.Value, second.Value);
    }

    // The syntax as a regular expression, as Matcher read it before it was read by hand: the reference.
    private static readonly Regex Syntax = new(@"^\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?<op>=~|!~|!=|=)(?<value>.*)$", RegexOptions.Singleline);

    [Fact]
    public void Hand_reader_splits_every_text_as_the_syntax_regex_does()
    {
        string[] spaces = ["", " ", "\t", "\n", "\u00A0", "\u2003", "\u0085", "\u001F"];
        string[] names = ["a", "_x1", "1a", "a1_b", "\u00E9", "a\u00E9", "A_", "-a", ""];
        string[] ops = ["=", "!=", "=~", "!~", "==", "~", "!", "=!", "~=", ""];
        string[] values = ["\"v\"", "x", "", " \"y\" \n", "=~\"z\"", "\n"];
        var checkedTexts = 0;
        foreach (var before in spaces)
        {
            foreach (var name in names)
            {
                foreach (var between in spaces)
                {
                    foreach (var op in ops)
                    {
                        foreach (var value in values)
                        {
                            var text = before + name + between + op + value;
                            var expected = Syntax.Match(text);
                            var split = Matcher.TrySplit(text, out var gotName, out var gotOp, out var rest);
                            Assert.True(expected.Success == split, $"'{text}': regex {expected.Success}, hand {split}");
                            if (split)
                            {
                                Assert.Equal(expected.Groups["name"].Value, gotName);
                                Assert.Equal(expected.Groups["op"].Value, gotOp switch { MatchOp.Equal => "=", MatchOp.NotEqual => "!=", MatchOp.Regex => "=~", _ => "!~" });
                                Assert.Equal(expected.Groups["value"].Value, rest);
                            }
                            checkedTexts++;
                        }
                    }
                }
            }
        }
        Assert.Equal(spaces.Length * names.Length * spaces.Length * ops.Length * values.Length, checkedTexts);
    }
}
