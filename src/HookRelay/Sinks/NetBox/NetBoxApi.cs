using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HookRelay.Sinks.Http;

namespace HookRelay.Sinks.NetBox;

/// <summary>
/// NetBox's REST API (under /api/), as the sync uses it: lists read whole through their pages,
/// objects created, patched and deleted one by one. The token goes as `Token KEY` (v1, the only
/// kind NetBox 4.2 has) or, for a v2 token (`nbt_KEY.SECRET`, NetBox 4.5 and later), `Bearer`.
/// A refusal names what NetBox said (its 400 body, field by field); 429 and 5xx are worth a retry.
/// </summary>
public sealed class NetBoxApi(HttpSinkClient http, string token) : IDisposable
{
    private const int MaxAnswerBytes = 64 * 1024 * 1024;

    /// <summary>The largest page NetBox gives (MAX_PAGE_SIZE's default).</summary>
    private const int PageSize = 1000;

    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json");

    private readonly string _authorization = token.StartsWith("nbt_", StringComparison.Ordinal) ? $"Bearer {token}" : $"Token {token}";

    public string Display => $"NetBox at {http.Display}";

    /// <summary>Every object of a list that the filters select, page after page.</summary>
    public async Task<IReadOnlyList<JsonElement>> ListAsync(string collection, IEnumerable<(string Name, string Value)> filters, CancellationToken cancellationToken)
    {
        var items = new List<JsonElement>();
        var query = string.Concat(filters.Select(f => $"{Uri.EscapeDataString(f.Name)}={Uri.EscapeDataString(f.Value)}&"));
        for (var offset = 0; ; offset += PageSize)
        {
            using var page = await CallAsync(HttpMethod.Get, $"{collection}/?{query}limit={PageSize}&offset={offset.ToString(CultureInfo.InvariantCulture)}", null, cancellationToken).ConfigureAwait(false);
            var root = page!.RootElement;
            var results = root.GetProperty("results");
            items.AddRange(results.EnumerateArray().Select(r => r.Clone()));
            if (root.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String && results.GetArrayLength() > 0)
            {
                continue;
            }
            return items;
        }
    }

    public Task<IReadOnlyList<JsonElement>> ListAsync(string collection, CancellationToken cancellationToken, params (string Name, string Value)[] filters) =>
        ListAsync(collection, filters, cancellationToken);

    /// <summary>POST: the object NetBox made.</summary>
    public async Task<JsonElement> CreateAsync(string collection, byte[] body, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync(HttpMethod.Post, $"{collection}/", body, cancellationToken).ConfigureAwait(false);
        return answer!.RootElement.Clone();
    }

    public async Task<JsonElement> PatchAsync(string collection, long id, byte[] body, CancellationToken cancellationToken)
    {
        using var answer = await CallAsync(HttpMethod.Patch, $"{collection}/{Id(id)}/", body, cancellationToken).ConfigureAwait(false);
        return answer!.RootElement.Clone();
    }

    /// <summary>DELETE; an object already gone is as good as deleted (a retry after a lost answer).</summary>
    public async Task DeleteAsync(string collection, long id, CancellationToken cancellationToken)
    {
        try
        {
            using var _ = await CallAsync(HttpMethod.Delete, $"{collection}/{Id(id)}/", null, cancellationToken).ConfigureAwait(false);
        }
        catch (NetBoxNotFoundException)
        {
        }
    }

    /// <summary>GET /api/status/: NetBox's version, proving the address and the token.</summary>
    public async Task<string> VersionAsync(CancellationToken cancellationToken)
    {
        using var status = await CallAsync(HttpMethod.Get, "status/", null, cancellationToken).ConfigureAwait(false);
        return status!.RootElement.TryGetProperty("netbox-version", out var version) ? version.GetString() ?? "?" : "?";
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private async Task<JsonDocument?> CallAsync(HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = http.Request(method, new Uri(http.Endpoint, $"api/{path}"));
        request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        request.Headers.Accept.ParseAdd("application/json");
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = Json;
        }
        HttpStatusCode status;
        byte[] answer;
        TimeSpan? retryAfter;
        try
        {
            (status, answer, retryAfter) = await http.AskWithRetryAfterAsync(request, http.Timeout, MaxAnswerBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException or InvalidDataException)
        {
            throw new NetBoxException($"{Display}: {e.Message}", retry: true);
        }
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            try
            {
                return answer.Length == 0 ? null : JsonDocument.Parse(answer);
            }
            catch (JsonException)
            {
                // A proxy's or login page's HTML where the API should be.
                throw new NetBoxException($"{Display} answered {method} /api/{path.Split('?')[0]} with something that is not JSON: {ErrorOf(answer)}", retry: true);
            }
        }
        var what = $"{Display} answered {code} to {method} /api/{path.Split('?')[0]}" + (ErrorOf(answer) is { Length: > 0 } error ? $": {error}" : "");
        if (status == HttpStatusCode.NotFound)
        {
            throw new NetBoxNotFoundException(what);
        }
        throw new NetBoxException(what, retry: code >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout, retryAfter);
    }

    /// <summary>
    /// What NetBox said, on one line: {"detail": "..."} for 403 and 404, {"field": ["message"]}
    /// for a 400 (with "__all__" for a rule across fields, shown without its key).
    /// </summary>
    public static string ErrorOf(byte[] answer)
    {
        if (answer.Length == 0)
        {
            return "";
        }
        try
        {
            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
                {
                    return detail.GetString()!;
                }
                return string.Join("; ", root.EnumerateObject().Select(field =>
                    (field.Name is "__all__" or "non_field_errors" ? "" : $"{field.Name}: ") + Messages(field.Value)));
            }
            return Messages(root);
        }
        catch (JsonException)
        {
            return Logging.HookLog.OneLine(Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 200)));
        }
    }

    private static string Messages(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => string.Join(" ", value.EnumerateArray().Select(Messages)),
        JsonValueKind.Object => "{" + string.Join("; ", value.EnumerateObject().Select(f => $"{f.Name}: {Messages(f.Value)}")) + "}",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };

    public void Dispose() => http.Dispose();
}

/// <summary>NetBox knows no such object (404).</summary>
public sealed class NetBoxNotFoundException(string message) : Exception(message);
