namespace HookRelay.Sinks.Declaration;

/// <summary>What a setting's value is, which decides its JSON Schema and how a sink reads it.</summary>
public enum KeyShape
{
    Text,
    Flag,
    WholeNumber,
    Number,
    /// <summary>500ms, 2s, 1m, 1h, 7d.</summary>
    Duration,
    TextList,
    WholeNumberList,
    /// <summary>Names to text values (headers, labels, env).</summary>
    TextMap,
    /// <summary>A few keys of its own (backoff: initial, max).</summary>
    Group,
    /// <summary>One of the schema's shared definitions (http_auth, http_headers ...), as the gates' http policy uses it too.</summary>
    Shared,
}

/// <summary>
/// One setting a sink type reads: its name, shape, validation and what it does, declared once
/// beside the sink. The published schema is generated from these (<see cref="SinkSchema"/>), and
/// a sink that reads a setting it did not declare fails as it is built.
/// </summary>
public sealed record SinkKey(string Name, KeyShape Shape, string? Description)
{
    public bool Required { get; init; }
    /// <summary>Of the text, or of each item of a list.</summary>
    public int? MinLength { get; init; }
    /// <summary>Of the text, or of each item of a list.</summary>
    public string? Pattern { get; init; }
    public IReadOnlyList<string>? Choices { get; init; }
    public int? Minimum { get; init; }
    public int? MinItems { get; init; }
    /// <summary>What the names of a <see cref="KeyShape.TextMap"/> must look like.</summary>
    public string? NamePattern { get; init; }
    public IReadOnlyList<SinkKey> Children { get; init; } = [];
    /// <summary>The shared definition a <see cref="KeyShape.Shared"/> key refers to.</summary>
    public string? Definition { get; init; }
    /// <summary>Its values are templates over the event ({{ instance.name }}), checked by config check.</summary>
    public bool IsTemplate { get; init; }
    /// <summary>It holds a credential: written inline in the file, config check warns.</summary>
    public bool IsCredential { get; init; }
    /// <summary>Of a credential group (auth), the parts that are secret (bearer, password; not username).</summary>
    public IReadOnlyList<string>? CredentialParts { get; init; }

    /// <summary>Whether the flattened <paramref name="setting"/> ("auth.password") of this key is a credential.</summary>
    public bool HoldsCredential(string setting) =>
        IsCredential && (CredentialParts is null || CredentialParts.Any(part => setting == $"{Name}.{part}"));

    public static SinkKey Text(string name, string description, int? minLength = 1) => new(name, KeyShape.Text, description) { MinLength = minLength };

    public static SinkKey Choice(string name, string description, params string[] choices) => new(name, KeyShape.Text, description) { Choices = choices };

    public static SinkKey Flag(string name, string description) => new(name, KeyShape.Flag, description);

    public static SinkKey WholeNumber(string name, string description, int? minimum = 1) => new(name, KeyShape.WholeNumber, description) { Minimum = minimum };

    public static SinkKey Number(string name, string description) => new(name, KeyShape.Number, description);

    public static SinkKey Duration(string name, string description) => new(name, KeyShape.Duration, description);

    public static SinkKey TextList(string name, string description) => new(name, KeyShape.TextList, description);

    public static SinkKey TextMap(string name, string description) => new(name, KeyShape.TextMap, description);

    public static SinkKey Group(string name, string description, params SinkKey[] children) => new(name, KeyShape.Group, description) { Children = children };

    public static SinkKey Shared(string name, string definition) => new(name, KeyShape.Shared, null) { Definition = definition };
}
