using System.Buffers;
using System.Text;
using System.Text.Json;
using HookRelay.Events;

namespace HookRelay.Tests.Events;

/// <summary>The hook's JSON encoder escapes what JSON requires, so every string reads back exactly as written, from UTF-16 and from UTF-8 alike.</summary>
public class JsonOnlyEncoderTests
{
    private static string Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonOnlyEncoder.Instance }))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData("plain ascii, 42 <tags> & 'quotes' + more")]
    [InlineData("quote \" backslash \\ slash /")]
    [InlineData("controls \n\r\t\b\f \u0001 \u001f end")]
    [InlineData("Grüße, naïve café, 日本語")]
    [InlineData("emoji 🚀 and 𝄞 beyond the BMP")]
    [InlineData("")]
    public void Every_string_reads_back_as_written_as_name_and_value(string text)
    {
        var json = Written(w =>
        {
            w.WriteString(text, text);
            w.WriteString("utf8", Encoding.UTF8.GetBytes(text));
        });

        using var document = JsonDocument.Parse(json);
        Assert.Equal(text, document.RootElement.GetProperty(text).GetString());
        Assert.Equal(text, document.RootElement.GetProperty("utf8").GetString());
    }

    [Fact]
    public void Only_what_json_requires_is_escaped_and_the_rest_is_utf8()
    {
        Assert.Equal("""{"k":"a\"b\\c\n\u0001 <é> 🚀 +&'"}""", Written(w => w.WriteString("k", "a\"b\\c\n\u0001 <é> 🚀 +&'")));
    }

    [Fact]
    public void Random_strings_round_trip()
    {
        var random = new Random(1618);
        for (var n = 0; n < 500; n++)
        {
            var text = new StringBuilder();
            for (var i = random.Next(0, 40); i > 0; i--)
            {
                var scalar = random.Next(4) switch
                {
                    0 => random.Next(0, 0x80),
                    1 => random.Next(0x80, 0xD800),
                    2 => random.Next(0xE000, 0x10000),
                    _ => random.Next(0x10000, 0x110000),
                };
                text.Append(char.ConvertFromUtf32(scalar));
            }
            var value = text.ToString();
            using var document = JsonDocument.Parse(Written(w => w.WriteString("v", value)));
            Assert.Equal(value, document.RootElement.GetProperty("v").GetString());
        }
    }

    [Fact]
    public void The_first_character_to_escape_is_the_first_quote_backslash_control_or_lone_surrogate()
    {
        static int Expected(string text)
        {
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c < 0x20 || c is '"' or '\\' || char.IsLowSurrogate(c))
                {
                    return i;
                }
                if (char.IsHighSurrogate(c))
                {
                    if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        i++;
                        continue;
                    }
                    return i;
                }
            }
            return -1;
        }
        char[] pool = ['a', ' ', '~', '"', '\\', '\n', '\u0001', '\u001f', '\u007f', 'é', '\uD7FF', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uE000', '\uFFFF', '日'];
        var random = new Random(2718);
        for (var n = 0; n < 20_000; n++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 70)).Select(_ => random.Next(3) == 0 ? pool[random.Next(pool.Length)] : (char)random.Next(0x20, 0x7F))]);
            Assert.Equal(Expected(text), JsonOnlyEncoder.FirstToEscape(text));
        }
    }
}
