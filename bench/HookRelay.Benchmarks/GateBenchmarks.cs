using System.Text;
using BenchmarkDotNet.Attributes;
using HookRelay.Cli;
using HookRelay.Events;
using HookRelay.Gates;
using HookRelay.Rules;

namespace HookRelay.Benchmarks;

/// <summary>
/// What local gate policies cost a pre hook, warm and in-process: loading a configuration with
/// and without a gate of six local policies (the regular expressions and time zone are built at
/// load), and evaluating them on the captured instance-add event. The whole-process cost is
/// bench/gates.sh.
/// </summary>
[Config(typeof(BenchSupport.Percentiles))]
public class GateBenchmarks
{
    private const string Sink = "sinks: { timeline: { type: file, path: /tmp/never.jsonl } }\nroutes: [ { name: r, matchers: ['verdict=\"deny\"'], to: [timeline] } ]\n";
    private const string Gate = """
        gates:
          - name: g
            matchers: ['hook="instance-add"', 'phase="pre"']
            on_error: deny
            deny_unless: { instance: '^[a-z0-9-]+\.lab\.example$' }
            limits: { memory_mib: 65536, vcpus: 16, disks: 4, disk_mib: 2097152, nics: 4 }
            require_tags: ['^env:']
            allow: { disk_template: [sharedfile, drbd], hypervisor: [fake, kvm] }
            protect_tag: protected
            freeze: { timezone: Europe/Berlin, windows: [ { from: "2020-12-20", to: "2021-01-06" } ] }

        """;

    private static readonly byte[] WithoutGate = Encoding.UTF8.GetBytes(Sink);
    private static readonly byte[] WithGate = Encoding.UTF8.GetBytes(Sink + Gate);
    private HookRelayConfig _config = null!;
    private Plan _plan = null!;

    [GlobalSetup]
    public void Setup()
    {
        var capture = Path.Combine(BenchSupport.FindUp("tests/HookRelay.Tests/Fixtures/envs"), "instance-add-pre-node1-01.json");
        _config = ConfigLoader.Parse(WithGate, "bench.yaml");
        _plan = Planner.Plan(_config, HookEventParser.Parse(EnvFile.Read(capture), "node1.lab.example"));
    }

    [Benchmark(Baseline = true)]
    public HookRelayConfig LoadConfigWithoutGate() => ConfigLoader.Parse(WithoutGate, "bench.yaml");

    [Benchmark]
    public HookRelayConfig LoadConfigWithSixLocalPolicies() => ConfigLoader.Parse(WithGate, "bench.yaml");

    [Benchmark]
    public IReadOnlyList<GateVerdict> EvaluateSixLocalPolicies() => GateEvaluator.Evaluate(_config, _plan, DateTimeOffset.UtcNow, HttpPolicies.Ask);
}
