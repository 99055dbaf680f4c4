using System.Text.Json;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;
using HookRelay.Sinks.NetBox;

namespace HookRelay.Gates;

/// <summary>
/// A gate's netbox policy: an instance-add is allowed only if NetBox already holds its virtual
/// machine as planned or staged, by the instance's name or by its first address, in the sink's
/// cluster or in none yet (what the sync then takes over). NetBox unreachable, refusing or slow is
/// an error or timeout verdict that the gate's on_error decides.
/// </summary>
public sealed class NetBoxPolicy : IPolicyServer
{
    private readonly NetBoxSink _sink;
    private readonly GateConfig _gate;

    public NetBoxPolicy(GateConfig gate, RemotePolicyConfig config)
    {
        _sink = (NetBoxSink)SinkFactory.Create(config.Settings, RouteTexts.None);
        _gate = gate;
        Timeout = config.Timeout;
    }

    public TimeSpan Timeout { get; }

    public async Task<GateVerdict> AskAsync(byte[] cloudEvent, TimeSpan limit, bool limitIsBudget, CancellationToken cancellationToken)
    {
        NetBoxInstance? instance;
        string cluster;
        using (var view = new EventView(cloudEvent))
        {
            if (view.Hook != "instance-add")
            {
                return GateVerdict.Allow(_gate.Name, "a netbox policy decides instance-add only");
            }
            instance = view.Data.TryGetProperty("instance", out var data) ? NetBoxInstance.From(data) : null;
            cluster = view.Text("cluster") ?? "";
        }
        if (instance is null)
        {
            return Undecided(GateOutcome.Error, "the event names no instance");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            var address = instance.Nics.FirstOrDefault(n => n.Address is not null)?.Address;
            if (await _sink.Planner.ExpectedAsync(instance, cluster, timeout.Token).ConfigureAwait(false) is { } vm)
            {
                var name = vm.StringOf("name");
                return GateVerdict.Allow(_gate.Name, $"{_sink.Display} holds virtual machine {name} as {NetBoxJson.Choice(vm, "status")}"
                    + (name == instance.Name ? "" : $" with address {address}"));
            }
            return GateVerdict.Deny(_gate.Name, $"{_sink.Display} holds no planned or staged virtual machine named {instance.Name}"
                + (address is null ? "" : $" or with address {NetBoxJson.Host(address)}"));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Undecided(GateOutcome.Timeout, IPolicyServer.TimedOut(_sink.Display, limit, limitIsBudget));
        }
        catch (Exception e) when (e is NetBoxException or NetBoxNotFoundException or JsonException or TimeoutException)
        {
            return Undecided(e is TimeoutException ? GateOutcome.Timeout : GateOutcome.Error, e.Message);
        }
    }

    private GateVerdict Undecided(GateOutcome outcome, string problem) => GateVerdict.Undecided(_gate.Name, outcome, problem, _gate.OnError);

    public void Dispose() => _sink.Dispose();
}
