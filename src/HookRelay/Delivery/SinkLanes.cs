using HookRelay.Logging;
using HookRelay.Rules;
using HookRelay.Sinks;

namespace HookRelay.Delivery;

/// <summary>
/// The daemon's lanes, kept across reloads: a sink whose configuration a SIGHUP did not change
/// keeps its lane, and with it a pause a 429 asked for and its rate-limit bucket; a changed or
/// added sink is built afresh, a removed one disposed. A sink that cannot be built gets a lane
/// that fails every attempt with the reason (<see cref="UnusableSink"/>): its rows follow its
/// retry policy instead of waiting forever, and the other sinks deliver.
/// </summary>
public sealed class SinkLanes : IDisposable
{
    private readonly Dictionary<string, (SinkConfig Config, SinkLane Lane)> _lanes = new(StringComparer.Ordinal);
    private List<(string Route, string? Text)> _texts = [];

    public IReadOnlyDictionary<string, SinkLane> Current => _lanes.ToDictionary(l => l.Key, l => l.Value.Lane, StringComparer.Ordinal);

    /// <summary>Brings the lanes in line with <paramref name="config"/> and returns them.</summary>
    public IReadOnlyDictionary<string, SinkLane> Update(HookRelayConfig config)
    {
        // A route's text is part of what a chat or e-mail sink sends: a changed one rebuilds them all.
        var texts = config.Routes.Select(r => (r.Name, r.Text)).ToList();
        var textsChanged = !texts.SequenceEqual(_texts);
        _texts = texts;
        foreach (var name in _lanes.Keys.Where(name => !config.Sinks.ContainsKey(name)).ToList())
        {
            _lanes[name].Lane.Dispose();
            _lanes.Remove(name);
        }
        var routeTexts = Sinks.Messages.RouteTexts.From(config);
        foreach (var sink in config.Sinks.Values)
        {
            if (!textsChanged && _lanes.TryGetValue(sink.Name, out var kept) && SameSink(kept.Config, sink))
            {
                continue;
            }
            if (_lanes.Remove(sink.Name, out var replaced))
            {
                replaced.Lane.Dispose();
            }
            _lanes[sink.Name] = (sink, Build(sink, routeTexts));
        }
        return Current;
    }

    private static SinkLane Build(SinkConfig sink, Sinks.Messages.RouteTexts texts)
    {
        try
        {
            return new SinkLane(SinkFactory.Create(sink, texts), DeliveryPolicy.For(sink));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever a sink's construction throws is that sink's problem: the others deliver.
            HookLog.Error($"sink '{sink.Name}' cannot be used; its events are retried and then dead-lettered by its policy until the configuration is fixed: {e.Message}");
            return new SinkLane(new UnusableSink(sink.Name, e.Message), PolicyOrDefault(sink));
        }
    }

    /// <summary>The sink's retry policy, or the defaults when its delivery settings are what is broken.</summary>
    private static DeliveryPolicy PolicyOrDefault(SinkConfig sink)
    {
        try
        {
            return DeliveryPolicy.For(sink);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new DeliveryPolicy();
        }
    }

    /// <summary>Same type and settings; where in the file it is written does not matter.</summary>
    private static bool SameSink(SinkConfig a, SinkConfig b) =>
        a.Type == b.Type && a.Settings.Count == b.Settings.Count
        && a.Settings.All(kv => b.Settings.TryGetValue(kv.Key, out var value) && value == kv.Value);

    public void Dispose()
    {
        foreach (var (_, lane) in _lanes.Values)
        {
            lane.Dispose();
        }
        _lanes.Clear();
    }
}
