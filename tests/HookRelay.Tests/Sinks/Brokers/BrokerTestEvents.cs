using System.Diagnostics;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Brokers;

/// <summary>Events for the broker tests, each with an id of its own (brokers deduplicate by it), and what a consumer must find.</summary>
internal static class BrokerTestEvents
{
    /// <summary>The live migration of web-1 (node1 → node2), with <paramref name="id"/>.</summary>
    public static SinkMessage Migration(string id)
    {
        var ev = HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), Fixtures.Node("instance-migrate-post-node1-01"));
        var cloudEvent = new CloudEvent(id, SinkTestEvents.Time, OpKey.Compute(ev.Env), ev);
        return new SinkMessage(id, "route", cloudEvent.Type, cloudEvent.ToJsonUtf8());
    }

    public static IReadOnlyList<SinkMessage> Migrations(int count, string prefix = "019abcde-0000-7000-8000-") =>
        [.. Enumerable.Range(1, count).Select(i => Migration($"{prefix}{i:D12}"))];

    /// <summary>The message's CloudEvent as the sink was given it.</summary>
    public static JsonElement Document(SinkMessage message) => JsonDocument.Parse(message.CloudEventJson).RootElement.Clone();

    /// <summary>Every context attribute but data and datacontenttype, as a binding carries them: text.</summary>
    public static Dictionary<string, string> Attributes(SinkMessage message) =>
        Document(message).EnumerateObject().Where(p => p.Name is not ("data" or "datacontenttype"))
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);

    public static string Data(SinkMessage message) => Document(message).GetProperty("data").GetRawText();
}

/// <summary>mosquitto_sub (Debian's mosquitto-clients) subscribed before a test publishes, each message it got as its JSON line (%j).</summary>
internal sealed class MosquittoSubscriber : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _subacks;

    private MosquittoSubscriber(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            if (e.Data.Contains("SUBACK", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _subacks);
                _subscribed.TrySetResult();
            }
            else if (e.Data.StartsWith('{'))
            {
                lock (_lines)
                {
                    _lines.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
    }

    public static async Task<MosquittoSubscriber> StartAsync(int port, string topic, string version = "mqttv5", params string[] more)
    {
        if (!File.Exists("/usr/bin/mosquitto_sub"))
        {
            RequiredService.SkipOrFail("mosquitto_sub (Debian package mosquitto-clients)");
        }
        // Line-buffered: a pipe would hold the SUBACK line back until the first message.
        var process = Process.Start(new ProcessStartInfo("/usr/bin/stdbuf",
            ["-oL", "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", version, "-q", "1", "-d", "-t", topic, "-F", "%j", .. more])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var subscriber = new MosquittoSubscriber(process);
        try
        {
            await subscriber._subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return subscriber;
        }
        catch
        {
            subscriber.Dispose();
            throw;
        }
    }

    /// <summary>Waits until mosquitto_sub has subscribed <paramref name="times"/> times: it connects and subscribes again by itself after the broker came back.</summary>
    public async Task SubscribedAsync(int times)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Volatile.Read(ref _subacks) < times)
        {
            Assert.True(DateTime.UtcNow < deadline, $"mosquitto_sub subscribed {_subacks} times, not {times}");
            await Task.Delay(50);
        }
    }

    /// <summary>The first <paramref name="count"/> messages, waiting up to 10 s for them.</summary>
    public async Task<IReadOnlyList<JsonElement>> MessagesAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            lock (_lines)
            {
                if (_lines.Count >= count || DateTime.UtcNow > deadline)
                {
                    return [.. _lines.Select(l => JsonDocument.Parse(l).RootElement.Clone())];
                }
            }
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
