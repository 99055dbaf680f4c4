using System.Globalization;
using System.Text.Json;

namespace HookRelay.Sinks.Messages;

/// <summary>
/// Finds a value in a CloudEvent whose data is its last member (as <see cref="Events.CloudEvent.WriteTo"/>
/// writes it) by reading the document up to the value, skipping what lies before it: the same
/// answers as walking a parsed document (<see cref="EventView"/>: a context attribute first, then
/// a field of data), without parsing what no one asked for.
/// </summary>
internal static class LayoutReader
{
    /// <summary>The value at <paramref name="path"/> from the attributes, or failing that from data; null when neither has it.</summary>
    public static JsonElement? Find(ReadOnlySpan<byte> document, string[] path) =>
        Locate(document, path, attributesOnly: false, out var reader) ? JsonElement.ParseValue(ref reader) : null;

    /// <summary>The context attribute <paramref name="name"/>; null when the document has none before data.</summary>
    public static JsonElement? Attribute(ReadOnlySpan<byte> document, string name) =>
        Locate(document, [name], attributesOnly: true, out var reader) ? JsonElement.ParseValue(ref reader) : null;

    /// <summary>
    /// What <see cref="EventView.Resolve"/> answers for <paramref name="path"/>: a string as it
    /// is (the usual case, read without building an element), anything else as the view writes it.
    /// </summary>
    public static string? Text(ReadOnlySpan<byte> document, string[] path)
    {
        if (!Locate(document, path, attributesOnly: false, out var reader))
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

    /// <summary>Leaves <paramref name="at"/> on the value <paramref name="path"/> names: an attribute's, or failing that (unless <paramref name="attributesOnly"/>) data's.</summary>
    private static bool Locate(ReadOnlySpan<byte> document, string[] path, bool attributesOnly, out Utf8JsonReader at)
    {
        var reader = new Utf8JsonReader(document);
        at = default;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isData = reader.ValueTextEquals("data"u8);
            var matches = reader.ValueTextEquals(path[0]);
            reader.Read();
            if (matches)
            {
                var copy = reader;
                if (WalkFrom(ref copy, path, 1))
                {
                    at = copy;
                    return true;
                }
            }
            if (isData)
            {
                // Nothing follows data: the attributes did not have it, so data is where it may be.
                if (!attributesOnly && reader.TokenType == JsonTokenType.StartObject && WalkFrom(ref reader, path, 0))
                {
                    at = reader;
                    return true;
                }
                return false;
            }
            reader.Skip();
        }
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
