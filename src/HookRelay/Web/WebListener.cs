using System.Net;
using System.Security.Cryptography;
using System.Text;
using HookRelay.Logging;
using HookRelay.Rules;

namespace HookRelay.Web;

/// <summary>
/// The daemon's HTTP listener (web: in the configuration): the page (<see cref="PageAssets"/>, the
/// only answer without the token: it holds no data), GET /metrics, the event API
/// (<see cref="EventApi"/>) and the dead letters (<see cref="DeadLetterApi"/>). In-box HttpListener, no
/// web framework: a few routes a scraper and an operator's curl use, one of which (replay) changes anything. With a token, every
/// request must present it (Authorization: Bearer), compared in constant time; bound beyond
/// loopback, a token is required (config check refuses the file otherwise).
/// </summary>
public sealed class WebListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[]? _token;
    private readonly WebRoutes _routes;
    private readonly CancellationTokenSource _stop = new();
    private Task _serving = Task.CompletedTask;

    private WebListener(WebAddress address, string? token, WebRoutes routes)
    {
        _routes = routes;
        Address = address;
        _token = token is null ? null : Encoding.UTF8.GetBytes(token);
        _listener.Prefixes.Add(address.Prefix);
    }

    public WebAddress Address { get; }

    /// <summary>Starts listening; on failure (the port is taken, the token file unreadable) says why and returns null: delivery goes on without it.</summary>
    public static WebListener? Start(WebSettings settings, WebRoutes routes)
    {
        try
        {
            var address = WebAddress.Parse(settings.Listen) ?? throw new FormatException($"web.listen '{settings.Listen}' is not host:port");
            var token = settings.Token is { } raw ? SecretReferences.Resolve(raw) : null;
            var web = new WebListener(address, token, routes);
            web._listener.Start();
            web._serving = web.ServeAsync();
            HookLog.Info($"serve: /metrics and /api/events on {address.Prefix}{(token is null ? "" : " (token required)")}");
            return web;
        }
        catch (Exception e) when (e is HttpListenerException or FormatException or SecretException or IOException)
        {
            HookLog.Error($"serve: web listener on {settings.Listen} not started: {e.Message}; delivering without it");
            return null;
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context), CancellationToken.None);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var path = context.Request.Url?.AbsolutePath ?? "/";
            if (PageAssets.Serves(path) && context.Request.HttpMethod is ("GET" or "HEAD"))
            {
                await PageAssets.AnswerAsync(path, response).ConfigureAwait(false);
                return;
            }
            if (!Authorized(context.Request))
            {
                response.AddHeader("WWW-Authenticate", "Bearer");
                await TextAsync(response, HttpStatusCode.Unauthorized, "a token is required: Authorization: Bearer <web.token>\n").ConfigureAwait(false);
                return;
            }
            if (path == DeadLetterApi.ReplayPath)
            {
                if (context.Request.HttpMethod == "POST")
                {
                    await _routes.DeadLetters.ReplayAsync(context).ConfigureAwait(false);
                }
                else
                {
                    await TextAsync(response, HttpStatusCode.MethodNotAllowed, "only POST\n").ConfigureAwait(false);
                }
            }
            else if (context.Request.HttpMethod is not ("GET" or "HEAD"))
            {
                await TextAsync(response, HttpStatusCode.MethodNotAllowed, "only GET\n").ConfigureAwait(false);
            }
            else if (path == SinkStatusApi.Path)
            {
                await _routes.Sinks.AnswerAsync(response).ConfigureAwait(false);
            }
            else if (path == DeadLetterApi.ListPath)
            {
                await _routes.DeadLetters.ListAsync(context).ConfigureAwait(false);
            }
            else if (path == "/metrics")
            {
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                using var body = new MemoryStream();
                await _routes.Metrics.WriteAsync(body, _stop.Token).ConfigureAwait(false);
                response.ContentLength64 = body.Length;
                body.Position = 0;
                await body.CopyToAsync(response.OutputStream, _stop.Token).ConfigureAwait(false);
            }
            else if (await _routes.Events.TryAnswerAsync(path, context, _stop.Token).ConfigureAwait(false))
            {
            }
            else
            {
                await TextAsync(response, HttpStatusCode.NotFound, $"no {path} here: the page is /; GET /metrics (Prometheus), /api/events, /api/events/stream, "
                    + "/api/instances/NAME/timeline, /api/sinks, /api/dead-letters; POST /api/dead-letters/replay\n").ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The scraper went away or the daemon is stopping: nothing to answer to.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
            {
            }
        }
    }

    private bool Authorized(HttpListenerRequest request)
    {
        if (_token is null)
        {
            return true;
        }
        const string scheme = "Bearer ";
        var given = request.Headers["Authorization"];
        return given is not null && given.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given[scheme.Length..].Trim()), _token);
    }

    internal static async Task TextAsync(HttpListenerResponse response, HttpStatusCode status, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        response.StatusCode = (int)status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        _serving.Wait(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }
}
