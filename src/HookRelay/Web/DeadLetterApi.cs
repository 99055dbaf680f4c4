using System.Net;
using System.Text.Json;
using HookRelay.Delivery;
using HookRelay.Outbox;

namespace HookRelay.Web;

/// <summary>
/// The dead letters on the daemon's listener: GET /api/dead-letters[?sink=] lists them as
/// `hookrelay dlq list` does; POST /api/dead-letters/replay {"ids": [...]} or {"all": true,
/// "sink": "..."} queues them again (same event ids) and wakes the daemon. The one route that
/// changes anything, so a browser on another site must not be able to call it: it takes only a
/// JSON body (a cross-site form cannot send one without a CORS preflight, which this listener never
/// approves) and refuses a request whose Origin is not the listener's own; with a token, the token
/// as everywhere (a browser never adds an Authorization header by itself).
/// </summary>
public sealed class DeadLetterApi(Func<HookRelay.Rules.HookRelayConfig> config, Action wake)
{
    public const string ListPath = "/api/dead-letters";
    public const string ReplayPath = "/api/dead-letters/replay";

    public async Task ListAsync(HttpListenerContext context)
    {
        var sink = context.Request.QueryString["sink"] is { Length: > 0 } s ? s : null;
        using var connection = OutboxDatabase.OpenReadOnly(config().StateDir);
        var dead = connection is null ? [] : new OutboxAdmin(connection).DeadLetters(sink);
        await WebJson.WriteAsync(context.Response, HttpStatusCode.OK, writer =>
        {
            writer.WritePropertyName("dead_letters");
            Cli.DlqCommand.WriteDeadLetters(writer, dead);
        }).ConfigureAwait(false);
    }

    public async Task ReplayAsync(HttpListenerContext context)
    {
        var request = context.Request;
        if (request.Headers["Origin"] is { } origin && !SameOrigin(origin, request))
        {
            await WebListener.TextAsync(context.Response, HttpStatusCode.Forbidden, $"origin {origin} may not replay dead letters here\n").ConfigureAwait(false);
            return;
        }
        if (request.ContentType?.Split(';')[0].Trim() is not "application/json")
        {
            await WebListener.TextAsync(context.Response, HttpStatusCode.UnsupportedMediaType, "send {\"ids\": [...]} or {\"all\": true} as application/json\n").ConfigureAwait(false);
            return;
        }
        List<long> ids = [];
        bool all;
        string? sink;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.InputStream).ConfigureAwait(false);
            var root = body.RootElement;
            all = root.TryGetProperty("all", out var everything) && everything.ValueKind == JsonValueKind.True;
            sink = root.StringOf("sink");
            if (root.TryGetProperty("ids", out var given))
            {
                ids = [.. given.EnumerateArray().Select(id => id.GetInt64())];
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            await WebListener.TextAsync(context.Response, HttpStatusCode.BadRequest, $"not a replay request: {e.Message}\n").ConfigureAwait(false);
            return;
        }
        if (ids.Count > 0 == all)
        {
            // An empty id list means every dead letter to the outbox: only an explicit "all" may ask for that.
            await WebListener.TextAsync(context.Response, HttpStatusCode.BadRequest, "name ids, or all: true (not both)\n").ConfigureAwait(false);
            return;
        }
        int replayed;
        var admin = Cli.OutboxCli.OpenAdmin(config(), TextWriter.Null, out var connection);
        using (connection)
        {
            replayed = admin?.ReplayDead(ids, sink, DeliveryDaemon.NowMs()) ?? 0;
        }
        if (replayed > 0)
        {
            wake();
        }
        Logging.HookLog.Info($"serve: {replayed} dead letters queued again through the web listener");
        await WebJson.WriteAsync(context.Response, HttpStatusCode.OK, writer => writer.WriteNumber("replayed", replayed)).ConfigureAwait(false);
    }

    private static bool SameOrigin(string origin, HttpListenerRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var given) && request.Url is { } url
        && given.Scheme == url.Scheme && string.Equals(given.Authority, url.Authority, StringComparison.OrdinalIgnoreCase);
}
