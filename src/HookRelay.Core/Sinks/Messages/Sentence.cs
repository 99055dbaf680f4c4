using System.Text;

namespace HookRelay.Sinks.Messages;

/// <summary>
/// A message built of our own words and the event's values, kept apart until it is rendered for
/// a target, so each value is escaped for where it lands and the subject can be emphasised.
/// </summary>
public sealed class Sentence
{
    private readonly List<(string Text, bool Strong)> _parts = [];

    public Sentence Strong(string? value) => Add(value ?? "?", true);

    public Sentence Text(string? value) => value is null ? this : Add(value, false);

    public bool IsEmpty => _parts.Count == 0;

    private Sentence Add(string text, bool strong)
    {
        _parts.Add((text, strong));
        return this;
    }

    public string Render(TextFormat format)
    {
        var builder = new StringBuilder();
        foreach (var (text, strong) in _parts)
        {
            var escaped = TextFormats.Escape(format, text);
            builder.Append(strong ? TextFormats.Strong(format, escaped) : escaped);
        }
        return builder.ToString();
    }

    public override string ToString() => Render(TextFormat.Plain);
}
