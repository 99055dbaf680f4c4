using HookRelay.Sinks.Messages;

namespace HookRelay.Tests.Sinks.Messages;

public class TextFormatsTests
{
    [Theory]
    [InlineData("<!channel> & <https://evil|click>", "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;")]
    [InlineData("web_1_prod", "web_1_prod")]
    [InlineData("*bold*", "\u200B*\u200Bbold\u200B*\u200B")]
    [InlineData("`code`", "\u200B`\u200Bcode\u200B`\u200B")]
    [InlineData("line1\nline2\r\n", "line1 line2 ")]
    [InlineData("名前 ✓", "名前 ✓")]
    public void Slack_values_add_no_markup_mentions_or_lines(string value, string expected) =>
        Assert.Equal(expected, TextFormats.Escape(TextFormat.SlackMrkdwn, value));

    [Theory]
    [InlineData("**x** [a](http://e) @channel", "\\*\\*x\\*\\* \\[a\\](http://e) @\u200Bchannel")]
    [InlineData("# heading\n- item", "\\# heading - item")]
    [InlineData("web-1.lab.example", "web-1.lab.example")]
    public void Markdown_values_are_escaped_and_mentions_broken(string value, string expected) =>
        Assert.Equal(expected, TextFormats.Escape(TextFormat.Markdown, value));

    [Theory]
    [InlineData("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")]
    [InlineData("a & b \"c\"", "a &amp; b &quot;c&quot;")]
    public void Html_values_are_entities(string value, string expected) =>
        Assert.Equal(expected, TextFormats.Escape(TextFormat.Html, value));

    [Fact]
    public void Plain_text_stays_on_one_line() =>
        Assert.Equal("Subject: x Bcc: victim@example.org", TextFormats.Escape(TextFormat.Plain, "Subject: x\r\nBcc: victim@example.org"));

    [Theory]
    [InlineData(850, "850 ms")]
    [InlineData(4200, "4.2 s")]
    [InlineData(185_000, "3 min 5 s")]
    [InlineData(3_720_000, "1 h 2 min")]
    public void Durations_read_as_people_write_them(long ms, string expected) => Assert.Equal(expected, TextFormats.Duration(ms));

    [Theory]
    [InlineData(512, "512 MiB")]
    [InlineData(1280, "1.3 GiB")]
    [InlineData(2 * 1024 * 1024, "2 TiB")]
    public void Sizes_read_as_people_write_them(long mib, string expected) => Assert.Equal(expected, TextFormats.Size(mib));

    [Fact]
    public void Truncation_never_splits_an_entity_or_a_surrogate_pair()
    {
        Assert.Equal("abc…", TextFormats.Truncate("abc&amp;def", 6));
        var emoji = "ab😀cd";
        Assert.Equal("ab…", TextFormats.Truncate(emoji, 4));
        Assert.Equal("short", TextFormats.Truncate("short", 10));
    }

    [Theory]
    [InlineData(TextFormat.SubjectToken, ".*> \t")]
    [InlineData(TextFormat.TopicLevel, "/+#")]
    public void A_topic_or_subject_value_has_its_separators_wildcards_and_control_characters_replaced_and_nothing_else(TextFormat format, string forbidden)
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var character = (char)c;
            var expected = forbidden.Contains(character, StringComparison.Ordinal) || char.IsControl(character) ? "a_b" : $"a{character}b";
            Assert.Equal(expected, TextFormats.Escape(format, $"a{character}b"));
        }
        const string clean = "web-1_lab-example";
        Assert.Same(clean, TextFormats.Escape(format, clean));
    }
}
