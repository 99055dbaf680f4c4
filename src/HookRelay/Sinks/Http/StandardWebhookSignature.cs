using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HookRelay.Sinks.Http;

/// <summary>
/// Standard Webhooks signatures (standardwebhooks.com): HMAC-SHA256 over "{id}.{timestamp}.{body}"
/// with the secret's base64 bytes (after "whsec_"), sent as "v1,{base64}" in webhook-signature,
/// with webhook-id and webhook-timestamp beside it.
/// </summary>
public sealed class StandardWebhookSignature
{
    public const string Prefix = "whsec_";
    private readonly byte[] _key;

    public StandardWebhookSignature(string secret)
    {
        var encoded = secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret;
        try
        {
            _key = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            // Never echo the secret itself.
            throw new InvalidOperationException("the webhook secret is not a Standard Webhooks secret (whsec_ followed by base64)");
        }
    }

    public string Sign(string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(_key, content));
    }

    public void AddHeaders(HttpRequestMessage request, string messageId, DateTimeOffset now, ReadOnlySpan<byte> body)
    {
        var timestamp = now.ToUnixTimeSeconds();
        request.Headers.TryAddWithoutValidation("webhook-id", messageId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", Sign(messageId, timestamp, body));
    }
}
