using HookRelay.Actions;
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
public sealed class SinkLanes(OwnEvents? ownEvents = null) : IDisposable
{
    private readonly Dictionary<string, (SinkConfig Config, SinkLane Lane)> _lanes = new(StringComparer.Ordinal);
    private List<(string Route, string? Text)> _texts = [];

    public IReadOnlyDictionary<string, SinkLane> Current => _lanes.ToDictionary(l => l.Key, l => l.Value.Lane, StringComparer.Ordinal);

    /// <summary>Brings the lanes in line with <paramref name="config"/> and returns them: one per sink, one per action this node runs.</summary>
    public IReadOnlyDictionary<string, SinkLane> Update(HookRelayConfig config)
    {
        // A route's text is part of what a chat or e-mail sink sends: a changed one rebuilds them all.
        var texts = config.Routes.Select(r => (r.Name, r.Text)).ToList();
        var textsChanged = !texts.SequenceEqual(_texts);
        _texts = texts;
        var routeTexts = Sinks.Messages.RouteTexts.From(config);
        var publisher = ownEvents ?? new OwnEvents(() => config, () => { });
        var wanted = config.Sinks.Values.Select(sink => (Config: sink, Rebuild: textsChanged, Build: (Func<SinkLane>)(() => Build(sink, routeTexts, publisher))))
            .Concat(ActionTypes.Runnable(config).Select(a => (Lane: a.Type.LaneOf(a.Action), a.Type))
                .Select(a => (Config: a.Lane, Rebuild: false, Build: (Func<SinkLane>)(() => Build(a.Lane, a.Type, new ActionHost(config.StateDir), publisher)))))
            .ToList();
        var names = wanted.Select(w => w.Config.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in _lanes.Keys.Where(name => !names.Contains(name)).ToList())
        {
            _lanes[name].Lane.Dispose();
            _lanes.Remove(name);
        }
        foreach (var (sink, rebuild, build) in wanted)
        {
            if (!rebuild && _lanes.TryGetValue(sink.Name, out var kept) && SameSink(kept.Config, sink))
            {
                continue;
            }
            if (_lanes.Remove(sink.Name, out var replaced))
            {
                replaced.Lane.Dispose();
            }
            _lanes[sink.Name] = (sink, build());
        }
        return Current;
    }

    private static SinkLane Build(SinkConfig sink, Sinks.Messages.RouteTexts texts, OwnEvents publisher) =>
        BuildOrUnusable(sink, () => new SinkLane(SinkFactory.Create(sink, texts), DeliveryPolicy.For(sink)) { OwnEvents = publisher },
            () => PolicyOrDefault(sink), publisher);

    private static SinkLane Build(SinkConfig lane, ActionType type, ActionHost host, OwnEvents publisher) =>
        BuildOrUnusable(lane, () => new SinkLane(new ActionSink(type.Create!(type.SettingsOf(lane), host), publisher), type.PolicyOf(lane)) { OwnEvents = publisher }, () =>
        {
            try
            {
                return type.PolicyOf(lane);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return ActionType.Defaults;
            }
        }, publisher);

    private static SinkLane BuildOrUnusable(SinkConfig sink, Func<SinkLane> build, Func<DeliveryPolicy> fallbackPolicy, OwnEvents publisher)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever a sink's construction throws is that sink's problem: the others deliver.
            HookLog.Error($"{ActionDestination.Describe(sink.Name)} cannot be used; its events are retried and then dead-lettered by its policy until the configuration is fixed: {e.Message}");
            return new SinkLane(new UnusableSink(sink.Name, e.Message), fallbackPolicy()) { OwnEvents = publisher };
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
