using System.Globalization;
using System.Text.Json;

namespace HookRelay.Sinks.Messages;

/// <summary>
/// A delivered CloudEvent, read by path for templates and messages. A path names a CloudEvents
/// attribute (id, type, subject, time, opkey) or, failing that, a field of the data, so
/// <c>instance.name</c> and <c>data.instance.name</c> are the same thing.
/// </summary>
public sealed class EventView : IDisposable
{
    private readonly ReadOnlyMemory<byte> _json;
    private readonly LayoutReader? _layout;
    private JsonDocument? _document;
    private JsonElement _root;
    private JsonElement _data;
    private bool _parsed;

    /// <param name="cloudEventJson">The CloudEvent as JSON, read in place.</param>
    /// <param name="dataLast">
    /// The document was written by <see cref="Events.CloudEvent.WriteTo"/>: its attributes come
    /// first and data is its last member. A path is then found by reading the document up to it
    /// (<see cref="LayoutReader"/>), and the whole document is parsed only when a caller asks for
    /// <see cref="Root"/> or <see cref="Data"/>. Templates and default messages name fields near the
    /// start of data, while its raw variables (two thirds of an event) come last: parsing them
    /// for every message was a tenth of the daemon's CPU for a broker sink (perf).
    /// </param>
    public EventView(ReadOnlyMemory<byte> cloudEventJson, bool dataLast = false)
    {
        _json = cloudEventJson;
        if (dataLast)
        {
            _layout = new LayoutReader(cloudEventJson);
        }
        else
        {
            Parse();
        }
    }

    public EventView(JsonElement root)
    {
        _root = root;
        _data = DataOf(root);
        _parsed = true;
    }

    public JsonElement Root
    {
        get
        {
            Parse();
            return _root;
        }
    }

    public JsonElement Data
    {
        get
        {
            Parse();
            return _data;
        }
    }

    private void Parse()
    {
        if (_parsed)
        {
            return;
        }
        _document = JsonDocument.Parse(_json);
        _root = _document.RootElement;
        _data = DataOf(_root);
        _parsed = true;
    }

    private static JsonElement DataOf(JsonElement root) => root.TryGetProperty("data", out var data) ? data : default;

    public string Hook => Text("hook") ?? "";

    public string Phase => Text("phase") ?? "";

    public string? Target => Text("target");

    /// <summary>A sample from `hookrelay test-send` (<see cref="Events.CloudEvent.Test"/>).</summary>
    public bool IsTest => Attribute(Events.CloudEvent.TestAttribute) is { } test && test.ValueEquals("true");

    /// <summary>What opens a test message's text where people read it (chat, subjects).</summary>
    public const string TestMarker = "[hookrelay test] ";

    /// <summary>A value as text (lists joined with ", "), or null when the path leads nowhere or to null.</summary>
    public string? Text(string path) => Resolve(path.Split('.'));

    public string? Resolve(string[] path) => !_parsed ? _layout!.Text(path) : Find(path) is { } element ? AsText(element) : null;

    public long? Number(string path) =>
        Find(path.Split('.')) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var value) ? value : null;

    public bool? Flag(string path) => Find(path.Split('.')) is { ValueKind: JsonValueKind.True or JsonValueKind.False } b ? b.GetBoolean() : null;

    /// <summary>A value as one text, or each item of a list; empty when the path leads nowhere or to null.</summary>
    public IReadOnlyList<string> Values(string path) => Values(path.Split('.'));

    /// <inheritdoc cref="Values(string)"/>
    public IReadOnlyList<string> Values(string[] path) => !_parsed ? _layout!.Values(path) : ValuesOf(Find(path));

    internal static IReadOnlyList<string> ValuesOf(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.Array } array => [.. array.EnumerateArray().Select(AsText).OfType<string>()],
        { } element when AsText(element) is { } text => [text],
        _ => [],
    };

    /// <summary>How long the operation took, pre run to post run, when its pre run was seen (<see cref="Rules.EventFields.DurationMs"/>).</summary>
    public long? DurationMs => Number(Rules.EventFields.DurationMsPath);

    public IReadOnlyList<string> List(string path) =>
        Find(path.Split('.')) is { ValueKind: JsonValueKind.Array } array
            ? [.. array.EnumerateArray().Select(AsText).OfType<string>()]
            : [];

    /// <summary>When the event happened: its time attribute, or now when it has none.</summary>
    public DateTimeOffset Time =>
        Attribute("time") is { ValueKind: JsonValueKind.String } t && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : DateTimeOffset.UtcNow;

    /// <summary>A context attribute (a member of the document beside data), or null.</summary>
    public JsonElement? Attribute(string name)
    {
        if (!_parsed)
        {
            return _layout!.Attribute(name);
        }
        return _root.ValueKind == JsonValueKind.Object && _root.TryGetProperty(name, out var value) ? value : null;
    }

    private JsonElement? Find(string[] path)
    {
        if (!_parsed)
        {
            return _layout!.Find(path);
        }
        if (Walk(_root, path) is { } attribute)
        {
            return attribute;
        }
        return _data.ValueKind == JsonValueKind.Object ? Walk(_data, path) : null;
    }

    private static JsonElement? Walk(JsonElement element, string[] path)
    {
        foreach (var step in path)
        {
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(step, out var child))
            {
                element = child;
            }
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < element.GetArrayLength())
            {
                element = element[index];
            }
            else
            {
                return null;
            }
        }
        return element;
    }

    internal static string? AsText(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Array => string.Join(", ", element.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
        _ => element.GetRawText(),
    };

    public void Dispose() => _document?.Dispose();
}
