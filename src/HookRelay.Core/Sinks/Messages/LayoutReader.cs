using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HookRelay.Sinks.Messages;

/// <summary>
/// Finds values in a CloudEvent whose data is its last member (as <see cref="Events.CloudEvent.WriteTo"/>
/// writes it) by reading the document only as far as a value: the same answers as walking a parsed
/// document (<see cref="EventView"/>: a context attribute first, then a field of data), without
/// parsing what no one asked for. The members read on the way (the attributes, then data's fields)
/// are remembered with where their values start, so the next path (a subject template asks for
/// four) starts at its member instead of at the top of the document.
/// </summary>
internal sealed class LayoutReader(ReadOnlyMemory<byte> document)
{
    private enum Stage
    {
        Start,
        Attributes,
        Data,
        Done,
    }

    /// <summary>
    /// A member met: its name as the document's bytes (an ASCII name written plainly, the usual
    /// case, compared where it stands) or else decoded, and where its value starts.
    /// </summary>
    private readonly record struct Member(string? Decoded, int NameStart, int NameLength, int ValueStart, bool InData);

    /// <summary>The members met so far in document order: the attributes (data among them), then data's fields.</summary>
    private readonly List<Member> _members = new(32);

    private Stage _stage;

    // Where reading resumes: the reader's state and offset after the last member met, which sits
    // on that member's value (skipped only when reading goes further).
    private JsonReaderState _state;
    private int _offset;

    /// <summary>The value at <paramref name="path"/> from the attributes, or failing that from data; null when neither has it.</summary>
    public JsonElement? Find(string[] path) =>
        Locate(path, attributesOnly: false, out var reader) ? JsonElement.ParseValue(ref reader) : null;

    /// <summary>The context attribute <paramref name="name"/>; null when the document has none before data.</summary>
    public JsonElement? Attribute(string name) =>
        Locate([name], attributesOnly: true, out var reader) ? JsonElement.ParseValue(ref reader) : null;

    /// <summary>
    /// What <see cref="EventView.Resolve"/> answers for <paramref name="path"/>: a string as it
    /// is (the usual case, read without building an element), anything else as the view writes it.
    /// </summary>
    public string? Text(string[] path)
    {
        if (!Locate(path, attributesOnly: false, out var reader))
        {
            return null;
        }
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => EventView.AsText(JsonElement.ParseValue(ref reader)),
        };
    }

    /// <summary>What <see cref="EventView.Values(string[])"/> answers: a string read as it is, anything else from its element.</summary>
    public IReadOnlyList<string> Values(string[] path)
    {
        if (!Locate(path, attributesOnly: false, out var reader))
        {
            return [];
        }
        return reader.TokenType switch
        {
            JsonTokenType.String => [reader.GetString()!],
            JsonTokenType.Null => [],
            _ => EventView.ValuesOf(JsonElement.ParseValue(ref reader)),
        };
    }

    /// <summary>
    /// Leaves <paramref name="at"/> on the value <paramref name="path"/> names: an attribute's (the
    /// first of that name whose value has the rest of the path), or failing that (unless
    /// <paramref name="attributesOnly"/>) data's first field of that name.
    /// </summary>
    private bool Locate(string[] path, bool attributesOnly, out Utf8JsonReader at)
    {
        at = default;
        for (var i = 0; i < _members.Count || ReadMember(); i++)
        {
            var member = _members[i];
            if (member.InData && attributesOnly)
            {
                return false;
            }
            if (!Named(member, path[0]))
            {
                continue;
            }
            var reader = new Utf8JsonReader(document.Span[member.ValueStart..]);
            reader.Read();
            if (WalkFrom(ref reader, path, 1))
            {
                at = reader;
                return true;
            }
            if (member.InData)
            {
                return false;
            }
        }
        return false;
    }

    private bool Named(Member member, string name) =>
        member.Decoded is { } decoded ? decoded == name : Ascii.Equals(document.Span.Slice(member.NameStart, member.NameLength), name);

    /// <summary>Reads on to the next member and remembers it; false when the document has no more.</summary>
    private bool ReadMember()
    {
        if (_stage == Stage.Done)
        {
            return false;
        }
        var span = document.Span;
        var reader = new Utf8JsonReader(span[_offset..], isFinalBlock: true, _state);
        if (_stage == Stage.Start)
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Finish();
            }
            _stage = Stage.Attributes;
        }
        else
        {
            // Past the value of the member met last; entering data's object is not skipping it.
            var enteringData = _stage == Stage.Data && _members[^1] is { InData: false };
            if (!enteringData)
            {
                reader.Skip();
            }
        }
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            return Finish();
        }
        var plain = !reader.ValueIsEscaped && !reader.HasValueSequence && Ascii.IsValid(reader.ValueSpan);
        var isData = reader.ValueTextEquals("data"u8);
        // A name's bytes start after its opening quote.
        var (decoded, nameStart, nameLength) = plain ? (null, _offset + (int)reader.TokenStartIndex + 1, reader.ValueSpan.Length) : (reader.GetString(), 0, 0);
        reader.Read();
        _members.Add(new Member(decoded, nameStart, nameLength, _offset + (int)reader.TokenStartIndex, _stage == Stage.Data));
        if (_stage == Stage.Attributes && isData)
        {
            // Nothing follows data: its fields come next, or nothing when it is not an object.
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                _stage = Stage.Done;
                return true;
            }
            _stage = Stage.Data;
        }
        _offset += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
        return true;
    }

    private bool Finish()
    {
        _stage = Stage.Done;
        return false;
    }

    /// <summary>From the value the reader is on, follows <paramref name="path"/> from step <paramref name="step"/>: members by name, array items by index.</summary>
    private static bool WalkFrom(ref Utf8JsonReader reader, string[] path, int step)
    {
        for (; step < path.Length; step++)
        {
            if (reader.TokenType == JsonTokenType.StartObject ? !ToMember(ref reader, path[step])
                : reader.TokenType != JsonTokenType.StartArray || !int.TryParse(path[step], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || !ToItem(ref reader, index))
            {
                return false;
            }
        }
        return true;
    }

    private static bool ToMember(ref Utf8JsonReader reader, string name)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var matches = reader.ValueTextEquals(name);
            reader.Read();
            if (matches)
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }

    private static bool ToItem(ref Utf8JsonReader reader, int index)
    {
        for (var at = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; at++)
        {
            if (at == index)
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }
}
