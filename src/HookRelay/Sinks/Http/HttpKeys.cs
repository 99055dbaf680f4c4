using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Tls;

namespace HookRelay.Sinks.Http;

/// <summary>The settings every HTTP sink reads through <see cref="HttpSinkClient"/>.</summary>
public static class HttpKeys
{
    public static readonly SinkKey Headers = SinkKey.Shared("headers", "http_headers");

    public static readonly SinkKey Auth = SinkKey.Shared("auth", "http_auth") with { IsCredential = true, CredentialParts = ["bearer", "password"] };

    public static readonly SinkKey Timeout = SinkKey.Duration("timeout", "Per request, connecting included (default 10s).");

    /// <summary>headers, auth, timeout, ca_file, insecure.</summary>
    public static IReadOnlyList<SinkKey> All { get; } = [Headers, Auth, Timeout, .. CertificateTrust.Keys];

    /// <summary>As <see cref="All"/>, for a sink whose credential has a key of its own (Grafana's token).</summary>
    public static IReadOnlyList<SinkKey> WithoutAuth { get; } = [Headers, Timeout, .. CertificateTrust.Keys];
}
