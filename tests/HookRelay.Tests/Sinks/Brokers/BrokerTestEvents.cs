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
        return new SinkMessage(id, "route", cloudEvent.Type, cloudEvent.ToJsonUtf8()) { DataLast = true };
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

    /// <summary>One attempt of a broker sink at <paramref name="messages"/>, as the daemon makes it: a result per message.</summary>
    public static async Task<IReadOnlyList<DeliveryResult>> Deliver(IBatchSink sink, params SinkMessage[] messages) =>
        await sink.DeliverBatchAsync(messages, TestContext.Current.CancellationToken);
}

/// <summary>
/// The daemon's part in a test of a broker that goes away mid-stream: each message offered to
/// the sink one by one, and, after the broker is back, what it did not acknowledge offered again
/// until it does (as the daemon's retry would, within a minute), together with one it did
/// acknowledge, as if that acknowledgement had been lost. Which ids the broker acknowledged.
/// </summary>
internal sealed class Redelivery(IBatchSink sink)
{
    public HashSet<string> Acknowledged { get; } = new(StringComparer.Ordinal);

    /// <summary>One attempt each; the results in order.</summary>
    public async Task<List<DeliveryResult>> OnceAsync(IEnumerable<SinkMessage> messages)
    {
        var results = new List<DeliveryResult>();
        foreach (var message in messages)
        {
            results.Add(await AttemptAsync(message));
        }
        return results;
    }

    /// <summary>Of <paramref name="messages"/>, each not yet acknowledged, and <paramref name="repeat"/>, until the broker acknowledges it.</summary>
    public async Task AgainAsync(IEnumerable<SinkMessage> messages, SinkMessage repeat)
    {
        foreach (var message in messages.Where(m => !Acknowledged.Contains(m.EventId) || m.EventId == repeat.EventId).ToList())
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await AttemptAsync(message) is not DeliveryResult.Delivered && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>What a consumer received: every message, in order, and only <paramref name="repeat"/> twice.</summary>
    public static void AssertEachOnceButTheRepeat(IReadOnlyList<SinkMessage> sent, IReadOnlyList<string> receivedIds, SinkMessage repeat)
    {
        Assert.Equal(sent.Select(m => m.EventId), receivedIds.Distinct());
        Assert.Equal([repeat.EventId], receivedIds.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    private async Task<DeliveryResult> AttemptAsync(SinkMessage message)
    {
        var result = Assert.Single(await BrokerTestEvents.Deliver(sink, message));
        if (result is DeliveryResult.Delivered)
        {
            Acknowledged.Add(message.EventId);
        }
        return result;
    }
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
