using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using HookRelay.Cli;
using HookRelay.Delivery;

namespace HookRelay.Web;

/// <summary>
/// The event API on the daemon's listener: GET /api/events (instance, hook, phase, since, limit,
/// before: newest first, a "next" link per page), GET /api/events/stream (server-sent events, one
/// per new event, resumable with Last-Event-ID), GET /api/instances/NAME/timeline (one instance's
/// events, oldest first). Each event as its sinks got it, with its deliveries and default sentence.
/// </summary>
/// <param name="jobs">The daemon's job join (<see cref="EventQuery"/>).</param>
public sealed class EventApi(Func<string> stateDir, HookRelay.Events.IJobJoin? jobs = null)
{
    private static readonly TimeSpan StreamPoll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>Answers <paramref name="path"/> if it is the API's; false when it is not.</summary>
    public async Task<bool> TryAnswerAsync(string path, HttpListenerContext context, CancellationToken stopping)
    {
        var query = context.Request.QueryString;
        if (path == "/api/events")
        {
            if (!TryFilter(query, out var filter, out var problem))
            {
                await WebListener.TextAsync(context.Response, HttpStatusCode.BadRequest, problem + "\n").ConfigureAwait(false);
                return true;
            }
            var items = new EventQuery(stateDir(), jobs).Find(filter);
            var next = items.Count == filter.Limit ? NextPage(context.Request.Url!, items[^1].Row) : null;
            await WebJson.WriteAsync(context.Response, HttpStatusCode.OK, writer =>
            {
                WriteItems(writer, items);
                writer.WriteString("next", next);
            }).ConfigureAwait(false);
            return true;
        }
        if (path == "/api/events/stream")
        {
            if (!TryFilter(query, out var filter, out var problem))
            {
                await WebListener.TextAsync(context.Response, HttpStatusCode.BadRequest, problem + "\n").ConfigureAwait(false);
                return true;
            }
            await StreamAsync(context, filter, stopping).ConfigureAwait(false);
            return true;
        }
        const string instances = "/api/instances/", timeline = "/timeline";
        if (path.StartsWith(instances, StringComparison.Ordinal) && path.EndsWith(timeline, StringComparison.Ordinal) && path.Length > instances.Length + timeline.Length)
        {
            var name = Uri.UnescapeDataString(path[instances.Length..^timeline.Length]);
            if (!TryFilter(query, out var filter, out var problem))
            {
                await WebListener.TextAsync(context.Response, HttpStatusCode.BadRequest, problem + "\n").ConfigureAwait(false);
                return true;
            }
            var items = new EventQuery(stateDir(), jobs).Find(filter with { Instance = name, OldestFirst = true });
            await WebJson.WriteAsync(context.Response, HttpStatusCode.OK, writer =>
            {
                writer.WriteString("instance", name);
                WriteItems(writer, items);
            }).ConfigureAwait(false);
            return true;
        }
        return false;
    }

    private static bool TryFilter(System.Collections.Specialized.NameValueCollection query, out EventQuery.Filter filter, out string problem)
    {
        filter = new EventQuery.Filter(Instance: Blank(query["instance"]), Hook: Blank(query["hook"]), Phase: Blank(query["phase"]));
        problem = "";
        if (filter.Phase is not (null or "pre" or "post"))
        {
            problem = $"phase '{filter.Phase}': pre or post";
            return false;
        }
        if (Blank(query["since"]) is { } since)
        {
            if (OutboxCli.ParseSince(since, DeliveryDaemon.NowMs()) is not { } sinceMs)
            {
                problem = $"since '{since}': a duration (30m, 2h, 7d) or an ISO 8601 time";
                return false;
            }
            filter = filter with { SinceMs = sinceMs };
        }
        foreach (var name in new[] { "limit", "before", "after" })
        {
            if (Blank(query[name]) is not { } text)
            {
                continue;
            }
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
            {
                problem = $"{name} '{text}': a positive whole number";
                return false;
            }
            filter = name switch
            {
                "limit" => filter with { Limit = (int)Math.Min(value, EventQuery.MaxLimit) },
                "before" => filter with { BeforeRow = value },
                _ => filter with { AfterRow = value },
            };
        }
        return true;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static string NextPage(Uri url, long lastRow)
    {
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        query["before"] = lastRow.ToString(CultureInfo.InvariantCulture);
        return $"{url.AbsolutePath}?{query}";
    }

    private async Task StreamAsync(HttpListenerContext context, EventQuery.Filter filter, CancellationToken stopping)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.AddHeader("Cache-Control", "no-cache");
        response.SendChunked = true;
        var events = new EventQuery(stateDir(), jobs);
        // Resumes after the last event the client saw; a new client starts with what comes next.
        var after = long.TryParse(context.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var seen) ? seen
            : filter.AfterRow ?? events.Find(new EventQuery.Filter(Limit: 1)).FirstOrDefault()?.Row ?? 0;
        var quietSince = DateTime.UtcNow;
        var output = response.OutputStream;
        await output.WriteAsync(Encoding.UTF8.GetBytes(": hookrelay events\n\n"), stopping).ConfigureAwait(false);
        await output.FlushAsync(stopping).ConfigureAwait(false);
        while (!stopping.IsCancellationRequested)
        {
            var items = events.Find(filter with { AfterRow = after, OldestFirst = true, Limit = 100 });
            foreach (var item in items)
            {
                var frame = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"id: {item.Row}\nevent: cloudevent\ndata: ")
                    .Append(Encoding.UTF8.GetString(item.CloudEvent)).Append("\n\n").ToString();
                await output.WriteAsync(Encoding.UTF8.GetBytes(frame), stopping).ConfigureAwait(false);
                after = item.Row;
            }
            if (items.Count > 0 || DateTime.UtcNow - quietSince > KeepAlive)
            {
                if (items.Count == 0)
                {
                    await output.WriteAsync(": keep-alive\n\n"u8.ToArray(), stopping).ConfigureAwait(false);
                }
                await output.FlushAsync(stopping).ConfigureAwait(false);
                quietSince = DateTime.UtcNow;
            }
            await Task.Delay(StreamPoll, stopping).ConfigureAwait(false);
        }
    }

    private static void WriteItems(Utf8JsonWriter writer, List<EventQuery.Item> items)
    {
        writer.WriteStartArray("events");
        foreach (var item in items)
        {
            writer.WriteStartObject();
            writer.WriteNumber("row", item.Row);
            writer.WriteString("text", item.Text);
            writer.WritePropertyName("event");
            writer.WriteRawValue(item.CloudEvent, skipInputValidation: true);
            writer.WriteStartArray("deliveries");
            foreach (var delivery in item.Deliveries)
            {
                writer.WriteStartObject();
                writer.WriteString("sink", delivery.Sink);
                writer.WriteString("state", delivery.State);
                writer.WriteNumber("attempts", delivery.Attempts);
                writer.WriteString("last_error", delivery.LastError);
                writer.WriteString("done", delivery.DoneMs is { } ms ? Events.CloudEvent.TimeText(DateTimeOffset.FromUnixTimeMilliseconds(ms)) : null);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
