using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HookRelay.Sinks.Declaration;

namespace HookRelay.Sinks.Tls;

/// <summary>
/// Which server certificates a sink trusts, from its settings: the system's roots (default), a
/// private CA (ca_file: a PEM bundle), or, only on explicit request, any (insecure: true). Shared
/// by every sink that speaks TLS, whatever the protocol on top.
/// </summary>
public static class CertificateTrust
{
    /// <summary>ca_file, insecure.</summary>
    public static IReadOnlyList<SinkKey> Keys { get; } = [SinkKey.Shared("ca_file", "http_ca_file"), SinkKey.Shared("insecure", "http_insecure")];

    /// <summary>Null means the platform's own validation.</summary>
    public static RemoteCertificateValidationCallback? From(SinkSettings settings)
    {
        if (settings.Flag("insecure", false))
        {
#pragma warning disable CA5359 // Only on explicit request (insecure: true in the configuration).
            return (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        return settings.Text("ca_file") is { } caFile ? FromCaFile(caFile, $"{settings.Subject}: ca_file") : null;
    }

    /// <summary>The platform's checks, with the certificates of <paramref name="caFile"/> (PEM) as the roots.</summary>
    public static RemoteCertificateValidationCallback FromCaFile(string caFile, string what)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"{what} {caFile} holds no PEM certificate");
        }
        return (_, certificate, _, errors) => TrustedBy(roots, certificate, errors);
    }

    private static bool TrustedBy(X509Certificate2Collection roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
