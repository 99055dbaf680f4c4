using System.Text;
using System.Text.Encodings.Web;

namespace HookRelay.Events;

/// <summary>
/// Escapes what JSON itself requires (quote, backslash, control characters) and nothing more, for
/// the JSON the hook writes (its outbox record, its journal line), which only HookRelay reads.
/// Why not the built-in encoders: the first use of any of them runs DefaultJavaScriptEncoder's
/// class constructor, which builds the allow table of every Unicode range for the relaxed encoder
/// too, about 2.7 % of a matching hook run's CPU (BENCHMARKS.md). Output is valid JSON that any
/// parser reads as the built-in encoders' would be; characters outside ASCII are written as UTF-8.
/// </summary>
public sealed class JsonOnlyEncoder : JavaScriptEncoder
{
    public static readonly JsonOnlyEncoder Instance = new();

    /// <summary>
    /// Writer options with this encoder: the hook's stored record and journal line, and the events
    /// the daemon renders. One encoder for record and event is what lets the daemon copy a record's
    /// variables into the event's env as they are (<see cref="OrdinalDictionary.Json"/>).
    /// </summary>
    public static readonly System.Text.Json.JsonWriterOptions WriterOptions = new() { Encoder = Instance };

    private JsonOnlyEncoder()
    {
    }

    // \uXXXX for one UTF-16 unit; a scalar beyond the BMP is never escaped.
    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\' || unicodeScalar is >= 0xD800 and <= 0xDFFF;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength) =>
        FirstToEscape(new ReadOnlySpan<char>(text, textLength));

    /// <summary>Where the first character JSON requires escaped is (quote, backslash, control, lone surrogate); -1 for none.</summary>
    internal static int FirstToEscape(ReadOnlySpan<char> span)
    {
        // The daemon writes every event with this encoder, a few hundred short strings each: one
        // vector search for anything outside ' '..U+D7FF (controls, surrogates, the rare U+E000 and
        // above), one for a quote or backslash before it, and only past such a character the
        // general search below.
        var outside = span.IndexOfAnyExceptInRange(' ', '\uD7FF');
        var quoted = (outside < 0 ? span : span[..outside]).IndexOfAny('"', '\\');
        if (quoted >= 0 || outside < 0)
        {
            return quoted;
        }
        for (var from = outside; from < span.Length;)
        {
            var rest = span[from..];
            var special = rest.IndexOfAny(JsonSpecial);
            var surrogate = rest.IndexOfAnyInRange('\uD800', '\uDFFF');
            if (special < 0 && surrogate < 0)
            {
                return -1;
            }
            var i = from + (special < 0 ? surrogate : surrogate < 0 ? special : Math.Min(special, surrogate));
            // A valid pair passes; a lone surrogate is for the writer to replace.
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                from = i + 2;
                continue;
            }
            return i;
        }
        return -1;
    }

    private static readonly System.Buffers.SearchValues<char> JsonSpecial =
        System.Buffers.SearchValues.Create("\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        for (var i = 0; i < utf8Text.Length;)
        {
            var b = utf8Text[i];
            if (b < 0x80)
            {
                if (b < 0x20 || b == '"' || b == '\\')
                {
                    return i;
                }
                i++;
                continue;
            }
            // Not valid UTF-8 here: the writer replaces it.
            if (Rune.DecodeFromUtf8(utf8Text[i..], out _, out var length) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }
            i += length;
        }
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        if (!WillEncode(unicodeScalar))
        {
            // Written as it is (the base encoder asks for every scalar it copies).
            var rune = new Rune(unicodeScalar);
            numberOfCharactersWritten = rune.Utf16SequenceLength;
            return bufferLength >= numberOfCharactersWritten && rune.EncodeToUtf16(new Span<char>(buffer, bufferLength)) == numberOfCharactersWritten;
        }
        var escape = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\b' => "\\b",
            '\f' => "\\f",
            _ => $"\\u{unicodeScalar:X4}",
        };
        numberOfCharactersWritten = escape.Length;
        if (bufferLength < escape.Length)
        {
            return false;
        }
        escape.AsSpan().CopyTo(new Span<char>(buffer, bufferLength));
        return true;
    }
}
