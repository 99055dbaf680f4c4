using System.Net;
using System.Net.Http.Headers;

namespace HookRelay.Sinks.Http;

/// <summary>
/// What every HTTP sink (and a gate's http policy) shares: a client built from the common
/// settings (timeout, ca_file, insecure, headers, auth), a printable name for the endpoint that
/// never shows its path or query (where Slack and friends keep their tokens), and the verdict on
/// an answer: retry or give up.
/// </summary>
public sealed class HttpSinkClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private readonly AuthenticationHeaderValue? _auth;

    /// <param name="bearerKey">Where the bearer token is: auth.bearer (with basic auth as the other choice), Grafana's own token, or null for a far end with a key scheme of its own (PowerDNS's X-API-Key).</param>
    public HttpSinkClient(SinkSettings settings, Uri endpoint, int connections, string? bearerKey = "auth.bearer")
    {
        Endpoint = endpoint;
        _headers = settings.SecretMap("headers");
        _auth = Auth(settings, bearerKey);
        Timeout = settings.Duration("timeout", TimeSpan.FromSeconds(10));
        Display = $"{endpoint.Scheme}://{endpoint.Authority}";
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, connections),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectTimeout = Timeout,
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        if (Tls.CertificateTrust.From(settings) is { } trust)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = trust;
        }
        _client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    public Uri Endpoint { get; }

    public TimeSpan Timeout { get; }

    /// <summary>scheme://host:port, safe to log.</summary>
    public string Display { get; }

    public static Uri ParseEndpoint(SinkSettings settings, string key)
    {
        var raw = settings.RequiredSecret(key);
        return Uri.TryCreate(raw, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new InvalidOperationException($"{settings.Subject}: '{key}' is not an http(s) URL");
    }

    private static AuthenticationHeaderValue? Auth(SinkSettings settings, string? bearerKey)
    {
        if (bearerKey is null)
        {
            return null;
        }
        if (settings.Secret(bearerKey) is { } token)
        {
            return new AuthenticationHeaderValue("Bearer", token);
        }
        if (bearerKey == "auth.bearer" && settings.Secret("auth.username") is { } user)
        {
            var pair = System.Text.Encoding.UTF8.GetBytes($"{user}:{settings.Secret("auth.password") ?? ""}");
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }
        return null;
    }

    /// <summary>A POST to the endpoint carrying the configured headers and credentials.</summary>
    public HttpRequestMessage Post(byte[] body, MediaTypeHeaderValue contentType)
    {
        var request = Request(HttpMethod.Post, Endpoint);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = contentType;
        return request;
    }

    /// <summary>A request of any method to <paramref name="uri"/>, carrying the configured headers and credentials.</summary>
    public HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        foreach (var (header, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }
        request.Headers.Authorization = _auth;
        return request;
    }

    /// <summary>A JSON document written by <paramref name="write"/>, POSTed and judged: what Slack, Mattermost and Grafana take.</summary>
    public async Task<DeliveryResult> PostJsonAsync(Action<System.Text.Json.Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }
        using var request = Post(buffer.WrittenSpan.ToArray(), JsonContent);
        return await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static readonly MediaTypeHeaderValue JsonContent = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

    /// <summary>
    /// Sends and hands back the answer itself, for callers that read it (a policy's decision).
    /// Times out after <paramref name="limit"/> with <see cref="TimeoutException"/>.
    /// </summary>
    public async Task<(HttpStatusCode Status, byte[] Body)> AskAsync(HttpRequestMessage request, TimeSpan limit, int maxBody, CancellationToken cancellationToken)
    {
        var (status, body, _) = await AskWithRetryAfterAsync(request, limit, maxBody, cancellationToken).ConfigureAwait(false);
        return (status, body);
    }

    /// <summary>As <see cref="AskAsync"/>, with how long the far end asked to be left alone (Retry-After), for a caller that retries.</summary>
    public async Task<(HttpStatusCode Status, byte[] Body, TimeSpan? RetryAfter)> AskWithRetryAfterAsync(HttpRequestMessage request, TimeSpan limit, int maxBody,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var body = new MemoryStream();
                var buffer = new byte[8192];
                int read;
                while ((read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false)) > 0)
                {
                    if (body.Length + read > maxBody)
                    {
                        throw new InvalidDataException($"{Display} answered more than {maxBody / 1024} KiB");
                    }
                    body.Write(buffer, 0, read);
                }
                return (response.StatusCode, body.ToArray(), RetryAfter(response));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Display} did not answer within {limit.TotalSeconds:0.###} s");
        }
    }

    /// <summary>Sends with the sink's timeout and turns the answer, or the lack of one, into a result.</summary>
    public async Task<DeliveryResult> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return await ClassifyAsync(response, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult.Retry($"{Display} did not answer within {Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            return new DeliveryResult.Retry($"{Display}: {e.Message}");
        }
    }

    private async Task<DeliveryResult> ClassifyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        if (code is >= 200 and < 300)
        {
            return DeliveryResult.Ok;
        }
        var what = $"{Display} answered {code} {response.ReasonPhrase}";
        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || code >= 500)
        {
            return new DeliveryResult.Retry(what, RetryAfter(response));
        }
        // Other 4xx: the request itself is wrong (bad token, unknown path); sending it again will not help.
        var body = await StartOfBodyAsync(response, cancellationToken).ConfigureAwait(false);
        return new DeliveryResult.Failed(body.Length == 0 ? what : $"{what}: {Logging.HookLog.OneLine(body[..Math.Min(body.Length, 200)])}");
    }

    /// <summary>The first KiB of an answer, for the reason a refusal gives: a far end may send a page of any size.</summary>
    private static async Task<string> StartOfBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[1024];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }
            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
        _ => null,
    };

    public void Dispose() => _client.Dispose();
}
