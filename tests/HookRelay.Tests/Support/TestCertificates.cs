using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HookRelay.Tests.Support;

/// <summary>A private CA and a localhost server certificate it signed, made fresh for TLS tests.</summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=HookRelay Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Authority = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = serverRequest.Create(Authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        // Through PKCS#12 so the key is one OpenSSL (under SslStream) can use.
        Server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    public X509Certificate2 Authority { get; }

    public X509Certificate2 Server { get; }

    public string AuthorityPem => Authority.ExportCertificatePem();

    /// <summary>The server's certificate, its key and the CA as PEM files, for servers that are not .NET (aiosmtpd).</summary>
    public (string Certificate, string Key, string Authority) WritePem(string dir)
    {
        var paths = (Path.Combine(dir, "server.crt"), Path.Combine(dir, "server.key"), Path.Combine(dir, "ca.crt"));
        File.WriteAllText(paths.Item1, Server.ExportCertificatePem());
        using var key = Server.GetRSAPrivateKey()!;
        File.WriteAllText(paths.Item2, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(paths.Item3, AuthorityPem);
        return paths;
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}
