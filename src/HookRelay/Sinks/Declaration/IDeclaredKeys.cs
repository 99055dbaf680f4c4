namespace HookRelay.Sinks.Declaration;

/// <summary>Something configured by declared settings (a sink type, an action): which key a setting belongs to.</summary>
public interface IDeclaredKeys
{
    string Name { get; }

    /// <summary>What it is, for messages: "sink type", "action".</summary>
    string Kind { get; }

    IReadOnlyList<SinkKey> Keys { get; }
}

public static class DeclaredKeys
{
    /// <summary>The declared key a flattened setting ("headers.X-A", "tags[0]", "backoff.max") belongs to.</summary>
    public static SinkKey? KeyOf(this IDeclaredKeys declared, string setting)
    {
        var top = Rules.SinkConfig.TopKey(setting);
        return declared.Keys.FirstOrDefault(k => k.Name == top);
    }
}
