using System.Net;
using HookRelay.Cli;
using HookRelay.Delivery;
using HookRelay.Outbox;

namespace HookRelay.Web;

/// <summary>
/// GET /api/sinks: each sink (and node action) as `hookrelay status --json` writes it
/// (<see cref="SinkStatusJson"/>), with the daemon's counts read from its lanes now rather than
/// from the status file it writes every second.
/// </summary>
public sealed class SinkStatusApi(Func<string> stateDir, Func<IReadOnlyDictionary<string, SinkLane>> lanes)
{
    public const string Path = "/api/sinks";

    public async Task AnswerAsync(HttpListenerResponse response)
    {
        var queues = SinkQueues.Read(stateDir()) ?? [];
        var served = lanes();
        var nowMs = DeliveryDaemon.NowMs();
        await WebJson.WriteAsync(response, HttpStatusCode.OK, writer =>
        {
            writer.WriteStartArray("sinks");
            foreach (var name in served.Keys.Union(queues.Keys).Order(StringComparer.Ordinal))
            {
                var queue = queues.GetValueOrDefault(name) ?? new SinkStatus(name, 0, 0, 0, 0, null, null);
                var daemon = served.TryGetValue(name, out var lane) ? DaemonStatusFile.Sink.Of(name, lane) : null;
                SinkStatusJson.Write(writer, queue, SinkStatusJson.Health(queue, lane is not null, daemon, nowMs), daemon);
            }
            writer.WriteEndArray();
        }).ConfigureAwait(false);
    }
}
