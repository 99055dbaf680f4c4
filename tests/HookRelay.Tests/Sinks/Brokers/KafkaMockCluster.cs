using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Brokers;

/// <summary>
/// A Kafka cluster for the tests: Debian has no Kafka broker, so librdkafka's mock cluster,
/// which a client created with test.mock.num.brokers starts on loopback ports and keeps for its
/// lifetime. Other processes (the published hookrelay, kcat) talk to it over TCP like to a real
/// one. What arrived is read with kcat (Debian's), a client HookRelay did not write.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly IProducer<Null, string> _holder;

    public KafkaMockCluster()
    {
        if (!File.Exists("/usr/bin/kcat"))
        {
            RequiredService.SkipOrFail("kcat (Debian package kcat), to read what reached the Kafka mock cluster");
        }
        var config = new ProducerConfig { BootstrapServers = "unused:9092" };
        config.Set("test.mock.num.brokers", "1");
        _holder = new ProducerBuilder<Null, string>(config).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(_holder.Handle).Build();
        var broker = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Single();
        BootstrapServers = $"{broker.Host}:{broker.Port}";
    }

    public string BootstrapServers { get; }

    /// <summary>Every message of <paramref name="topic"/>, as kcat -J prints it.</summary>
    public IReadOnlyList<JsonElement> Read(string topic, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var kcat = Process.Start(new ProcessStartInfo("/usr/bin/kcat", ["-b", BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var lines = kcat.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            kcat.WaitForExit();
            if (lines.Length >= expected || DateTime.UtcNow > deadline)
            {
                return [.. lines.Select(l => JsonDocument.Parse(l).RootElement.Clone())];
            }
            Thread.Sleep(200);
        }
    }

    /// <summary>kcat's flat header list [name, value, name, value...] as a map.</summary>
    public static Dictionary<string, string> Headers(JsonElement message)
    {
        var flat = message.GetProperty("headers").EnumerateArray().Select(h => h.GetString()!).ToList();
        return Enumerable.Range(0, flat.Count / 2).ToDictionary(i => flat[2 * i], i => flat[(2 * i) + 1], StringComparer.Ordinal);
    }

    public void Dispose() => _holder.Dispose();
}
