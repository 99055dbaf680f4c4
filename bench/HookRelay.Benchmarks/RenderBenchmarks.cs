using BenchmarkDotNet.Attributes;
using HookRelay.Cli;
using HookRelay.Events;
using HookRelay.Outbox;
using HookRelay.Sinks;
using HookRelay.Sinks.Brokers;
using HookRelay.Sinks.Messages;

namespace HookRelay.Benchmarks;

/// <summary>
/// What the daemon does to every stored hook record before a sink sends it (the message-brokers
/// issue measured it at over half the daemon's CPU under load): read the record, parse Ganeti's
/// variables into the event, write the CloudEvent, and, for a broker, take it apart again for the
/// protocol binding. The captured live migration (156 variables), warm and in-process.
/// </summary>
[Config(typeof(BenchSupport.Percentiles))]
[MemoryDiagnoser]
public class RenderBenchmarks
{
    private byte[] _record = [];
    private HookRecord _parsed = null!;
    private byte[] _cloudEvent = [];

    [GlobalSetup]
    public void Setup()
    {
        var capture = Path.Combine(BenchSupport.FindUp("tests/HookRelay.Tests/Fixtures/envs"), "instance-migrate-post-node1-01.json");
        var ev = HookEventParser.Parse(EnvFile.Read(capture), "node1.lab.example");
        _record = HookRecord.For(ev, "node1.lab.example", DateTimeOffset.UtcNow).ToJsonUtf8();
        _parsed = HookRecord.Parse(_record);
        _cloudEvent = OutboxEnvelope.Render(OutboxEnvelope.Kinds.Hook, 1, _record);
    }

    [Benchmark]
    public HookRecord ReadRecord() => HookRecord.Parse(_record);

    [Benchmark]
    public CloudEvent ParseVariables() => _parsed.ToCloudEvent();

    [Benchmark]
    public byte[] WriteCloudEvent() => _parsed.ToCloudEvent().ToJsonUtf8();

    [Benchmark(Baseline = true)]
    public byte[] Render() => OutboxEnvelope.Render(OutboxEnvelope.Kinds.Hook, 1, _record);

    [Benchmark]
    public int TakeApartForBroker()
    {
        using var parts = CloudEventParts.Parse(new SinkMessage("id", "route", "type", _cloudEvent) { DataLast = true });
        return parts.Attributes.Count;
    }

    private static readonly Template Subject = Template.Parse("ganeti.{{ cluster }}.{{ hook }}.{{ phase }}.{{ target }}");

    /// <summary>All a NATS sink does to a stored record before the client has it: render, take apart, its default subject.</summary>
    [Benchmark]
    public int RenderForNats()
    {
        var rendered = OutboxEnvelope.Render(OutboxEnvelope.Kinds.Hook, 1, _record);
        using var parts = CloudEventParts.Parse(new SinkMessage("id", "route", "type", rendered) { DataLast = true });
        return Subject.Render(parts.View, TextFormat.SubjectToken).Length + parts.Data.Length;
    }
}
