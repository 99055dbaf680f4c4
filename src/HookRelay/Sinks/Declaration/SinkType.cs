using HookRelay.Rules;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks.Declaration;

/// <summary>
/// A kind of sink as configuration sees it: its `type:` name, the settings it reads (the common
/// delivery settings come with every type, <see cref="DeliveryKeys"/>), and how to build one. A new
/// sink type is one of these and its class; the schema, config check, serve and test-send follow.
/// </summary>
/// <param name="DefaultRatePerSecond">A rate the far end asks for when the configuration sets none.</param>
/// <param name="DefaultRateReason">Why, for the schema's description of rate_per_s.</param>
public sealed record SinkType(string Name, IReadOnlyList<SinkKey> OwnKeys, Func<SinkSettings, RouteTexts, ISink> Create,
    double? DefaultRatePerSecond = null, string? DefaultRateReason = null) : IDeclaredKeys
{
    public string Kind => "sink type";

    /// <summary>Its own settings, then the delivery settings every sink takes.</summary>
    public IReadOnlyList<SinkKey> Keys { get; } = [.. OwnKeys, .. DeliveryKeys.For(DefaultRatePerSecond, DefaultRateReason)];
}
