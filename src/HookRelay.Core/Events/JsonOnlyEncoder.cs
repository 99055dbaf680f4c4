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

    private JsonOnlyEncoder()
    {
    }

    // \uXXXX for one UTF-16 unit; a scalar beyond the BMP is never escaped.
    public override int MaxOutputCharactersPerInputCharacter => 6;

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\' || unicodeScalar is >= 0xD800 and <= 0xDFFF;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (var i = 0; i < textLength; i++)
        {
            var c = text[i];
            if (c < 0x20 || c == '"' || c == '\\')
            {
                return i;
            }
            if (char.IsSurrogate(c))
            {
                // A valid pair passes; a lone surrogate is for the writer to replace.
                if (char.IsHighSurrogate(c) && i + 1 < textLength && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }
                return i;
            }
        }
        return -1;
    }

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
