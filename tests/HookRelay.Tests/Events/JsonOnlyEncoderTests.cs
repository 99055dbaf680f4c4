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
}
