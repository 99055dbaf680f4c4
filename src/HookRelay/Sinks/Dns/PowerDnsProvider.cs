using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HookRelay.Sinks.Http;

namespace HookRelay.Sinks.Dns;

/// <summary>
/// PowerDNS Authoritative through its HTTP API (/api/v1): names read one by one (GET
/// /servers/ID/zones/ZONE?rrset_name=NAME), a zone read whole for a reconcile, and written with
/// one PATCH per zone holding every REPLACE and DELETE, which PowerDNS applies in one transaction.
/// </summary>
public sealed class PowerDnsProvider(HttpSinkClient http, string apiKey, string serverId) : IDnsProvider
{
    /// <summary>A zone of 10,000 instances is a few MB of JSON; a zone's answer may be this big.</summary>
    private const int MaxZoneBytes = 512 * 1024 * 1024;

    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json");

    public string Display => $"PowerDNS API at {http.Display}";

    /// <summary>PowerDNS applies a PATCH in one backend transaction; big ones keep the round trips few.</summary>
    public int ChangesPerWrite => 2000;

    /// <summary>
    /// Name by name (GET with rrset_name, which PowerDNS 4.7 filters on): what an event concerns
    /// costs the same in a zone of ten records or of a hundred thousand.
    /// </summary>
    public async Task<IReadOnlyList<RecordSet>> ReadAsync(IReadOnlyCollection<string> names, IReadOnlyList<string> zones, CancellationToken cancellationToken)
    {
        var sets = new List<RecordSet>();
        foreach (var name in names)
        {
            if (DnsNames.ZoneOf(name, zones) is { } zone)
            {
                sets.AddRange((await ReadSetsAsync(zone, $"?rrset_name={Uri.EscapeDataString(name)}", cancellationToken).ConfigureAwait(false)).Where(s => s.Name == name));
            }
        }
        return sets;
    }

    public Task<IReadOnlyList<RecordSet>> ReadZoneAsync(string zone, CancellationToken cancellationToken) => ReadSetsAsync(zone, "", cancellationToken);

    private async Task<IReadOnlyList<RecordSet>> ReadSetsAsync(string zone, string query, CancellationToken cancellationToken)
    {
        var body = await CallAsync(HttpMethod.Get, zone, query, null, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(body);
        var sets = new List<RecordSet>();
        if (!document.RootElement.TryGetProperty("rrsets", out var rrsets))
        {
            throw new DnsProviderException($"{Display}: zone {zone} came without rrsets", retry: false);
        }
        foreach (var rrset in rrsets.EnumerateArray())
        {
            var type = rrset.GetProperty("type").GetString() ?? "";
            if (!DnsTypes.Managed.Contains(type))
            {
                continue;
            }
            var values = rrset.GetProperty("records").EnumerateArray()
                .Where(r => !(r.TryGetProperty("disabled", out var disabled) && disabled.GetBoolean()))
                .Select(r => Content(type, r.GetProperty("content").GetString() ?? ""));
            sets.Add(new RecordSet(DnsNames.Absolute(rrset.GetProperty("name").GetString() ?? ""), type, rrset.GetProperty("ttl").GetInt32(), values));
        }
        return sets;
    }

    public async Task ApplyAsync(string zone, IReadOnlyList<RecordChange> changes, CancellationToken cancellationToken)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 * changes.Count);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("rrsets");
            foreach (var change in changes)
            {
                writer.WriteStartObject();
                writer.WriteString("name", change.Key.Name);
                writer.WriteString("type", change.Key.Type);
                if (change is RecordChange.Replace { Set: var set })
                {
                    writer.WriteString("changetype", "REPLACE");
                    writer.WriteNumber("ttl", set.Ttl);
                    writer.WriteStartArray("records");
                    foreach (var value in set.Values)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("content", set.Type == DnsTypes.Txt ? Quote(value) : value);
                        writer.WriteBoolean("disabled", false);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                }
                else
                {
                    writer.WriteString("changetype", "DELETE");
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        await CallAsync(HttpMethod.Patch, zone, "", buffer.WrittenSpan.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    private async Task<byte[]> CallAsync(HttpMethod method, string zone, string query, byte[]? body, CancellationToken cancellationToken)
    {
        using var request = http.Request(method, new Uri(http.Endpoint, $"api/v1/servers/{Uri.EscapeDataString(serverId)}/zones/{Uri.EscapeDataString(zone)}{query}"));
        request.Headers.TryAddWithoutValidation("X-API-Key", apiKey);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = Json;
        }
        HttpStatusCode status;
        byte[] answer;
        try
        {
            (status, answer) = await http.AskAsync(request, http.Timeout, MaxZoneBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException)
        {
            throw new DnsProviderException($"{Display}: {e.Message}", retry: true);
        }
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            return answer;
        }
        var what = $"{Display} answered {code} for {method} zone {zone}" + (ErrorOf(answer) is { } error ? $": {error}" : "");
        throw new DnsProviderException(what, retry: code >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout);
    }

    /// <summary>PowerDNS says what was wrong in {"error": "..."}; anything else is shown as its first line.</summary>
    private static string? ErrorOf(byte[] answer)
    {
        if (answer.Length == 0)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(answer);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error))
            {
                return error.GetString();
            }
        }
        catch (JsonException)
        {
        }
        return Logging.HookLog.OneLine(Encoding.UTF8.GetString(answer, 0, Math.Min(answer.Length, 200)));
    }

    private static string Content(string type, string content) => type switch
    {
        DnsTypes.Txt => Unquote(content),
        DnsTypes.PtrType => DnsNames.Absolute(content),
        DnsTypes.Aaaa when IPAddress.TryParse(content, out var address) => DnsNames.Text(address),
        _ => content,
    };

    /// <summary>A TXT value in the zone-file form PowerDNS speaks: one quoted string, quotes and backslashes escaped.</summary>
    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>The text of a TXT value in zone-file form: its quoted strings joined, escapes undone.</summary>
    public static string Unquote(string content)
    {
        var text = new StringBuilder(content.Length);
        var quoted = false;
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '\\' && i + 1 < content.Length)
            {
                text.Append(content[++i]);
            }
            else if (quoted || !char.IsWhiteSpace(c))
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }

    public void Dispose() => http.Dispose();
}
