using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HookRelay.Sinks;
using HookRelay.Sinks.Dns;

namespace HookRelay.Reconcile;

/// <summary>
/// Ganeti's RAPI (version 2), read-only: the cluster's name and its instances with their NICs, in
/// one bulk request each; its jobs, one by one. Its certificate is self-signed, so it is pinned (the certificate or its
/// SHA-256 fingerprint) unless a CA is given.
/// </summary>
public sealed class RapiClient : IDisposable
{
    private const int MaxAnswerBytes = 1024 * 1024 * 1024;
    private readonly HttpClient _client;
    private readonly Uri _root;
    private readonly TimeSpan _timeout;

    private RapiClient(HttpClient client, Uri root, TimeSpan timeout)
    {
        _client = client;
        _root = root;
        _timeout = timeout;
    }

    public string Display => $"RAPI at {_root.Scheme}://{_root.Authority}";

    /// <summary>The client settings' rapi.* keys describe (a sink's, the jobs section's), or null when they have none.</summary>
    public static RapiClient? From(SinkSettings settings) => settings.Text("rapi.url") is null ? null : Create(settings);

    private static RapiClient Create(SinkSettings settings)
    {
        var url = settings.Required("rapi.url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var root) || root.Scheme is not ("https" or "http"))
        {
            throw new InvalidOperationException($"{settings.Subject}: rapi.url '{url}' is not an http(s) URL");
        }
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        if (Trust(settings) is { } trust)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = trust;
        }
        var timeout = settings.Duration("rapi.timeout", TimeSpan.FromSeconds(30));
        var client = new HttpClient(handler) { Timeout = timeout };
        if (settings.Secret("rapi.user") is { } user)
        {
            var pair = System.Text.Encoding.UTF8.GetBytes($"{user}:{settings.Secret("rapi.password") ?? ""}");
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }
        return new RapiClient(client, root, timeout);
    }

    /// <summary>
    /// Pinned certificates (by fingerprint, or the one in a PEM file: Ganeti's RAPI certificate is
    /// self-signed and names ganeti.example.com), a CA bundle, or both: either may vouch for the
    /// server. Neither: the platform's own checks against the system's roots.
    /// </summary>
    private static RemoteCertificateValidationCallback? Trust(SinkSettings settings)
    {
        var pins = new List<byte[]>();
        if (settings.Text("rapi.fingerprint") is { } fingerprint)
        {
            pins.Add(Convert.FromHexString(fingerprint.Replace(":", "", StringComparison.Ordinal)));
        }
        if (settings.Text("rapi.certificate") is { } file)
        {
            var certificates = new X509Certificate2Collection();
            try
            {
                certificates.ImportFromPemFile(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new InvalidOperationException($"{settings.Subject}: rapi.certificate {file} cannot be read ({e.Message})");
            }
            pins.Add(certificates.Count > 0
                ? SHA256.HashData(certificates[0].RawData)
                : throw new InvalidOperationException($"{settings.Subject}: rapi.certificate {file} holds no PEM certificate"));
        }
        var authority = settings.Text("rapi.ca_file") is { } ca ? Sinks.Tls.CertificateTrust.FromCaFile(ca, $"{settings.Subject}: rapi.ca_file") : null;
        if (pins.Count == 0)
        {
            return authority;
        }
        return (sender, certificate, chain, errors) =>
            (certificate is not null && pins.Any(pin => CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), pin)))
            || (authority is not null && authority(sender, certificate, chain, errors));
    }

    /// <summary>The cluster's name (/2/info).</summary>
    public async Task<string> ClusterNameAsync(CancellationToken cancellationToken)
    {
        using var info = await GetAsync("/2/info", cancellationToken).ConfigureAwait(false);
        return info.RootElement.GetProperty("name").GetString() ?? throw new InvalidDataException($"{Display}: /2/info has no name");
    }

    /// <summary>Every instance with its NICs (/2/instances?bulk=1), networks' IPv6 subnets filled in from /2/networks when asked.</summary>
    public async Task<IReadOnlyList<DnsInstance>> InstancesAsync(bool withSubnet6, CancellationToken cancellationToken)
    {
        var subnets = withSubnet6 ? await NetworksAsync(cancellationToken).ConfigureAwait(false) : [];
        using var answer = await GetAsync("/2/instances?bulk=1", cancellationToken).ConfigureAwait(false);
        var instances = new List<DnsInstance>();
        foreach (var instance in answer.RootElement.EnumerateArray())
        {
            instances.Add(new DnsInstance(instance.StringOf("name") ?? "", [.. Nics(instance).Select(nic => new DnsNic(nic.Index, nic.Ip, nic.Mac, nic.Network,
                nic.Network is not null && subnets.TryGetValue(nic.Network, out var subnet) ? subnet.Subnet6 : null))]));
        }
        return instances;
    }

    /// <summary>
    /// Every instance as NetBox holds it (/2/instances?bulk=1): admin state, vCPUs and memory (its
    /// filled beparams), disk sizes, NICs with their addresses' prefix lengths from /2/networks,
    /// OS and primary node.
    /// </summary>
    public async Task<IReadOnlyList<Sinks.NetBox.NetBoxInstance>> NetBoxInstancesAsync(CancellationToken cancellationToken)
    {
        var subnets = await NetworksAsync(cancellationToken).ConfigureAwait(false);
        using var answer = await GetAsync("/2/instances?bulk=1", cancellationToken).ConfigureAwait(false);
        var instances = new List<Sinks.NetBox.NetBoxInstance>();
        foreach (var instance in answer.RootElement.EnumerateArray())
        {
            var be = instance.TryGetProperty("beparams", out var b) && b.ValueKind == JsonValueKind.Object ? b : default;
            var nics = Nics(instance).Select(nic =>
            {
                var subnet = nic.Network is not null && subnets.TryGetValue(nic.Network, out var s) ? s : default;
                return new Sinks.NetBox.NetBoxNic(nic.Index, nic.Mac, Sinks.NetBox.NetBoxNic.AddressOf(nic.Ip, subnet.Subnet, subnet.Subnet6));
            });
            var disks = instance.TryGetProperty("disk.sizes", out var sizes) && sizes.ValueKind == JsonValueKind.Array
                ? sizes.EnumerateArray().Select(size => size.TryGetInt64(out var mib) ? mib : 0).ToList()
                : [];
            instances.Add(new Sinks.NetBox.NetBoxInstance(instance.StringOf("name") ?? "", instance.StringOf("admin_state") == "up",
                be.ValueKind == JsonValueKind.Object && be.TryGetProperty("vcpus", out var vcpus) && vcpus.TryGetInt32(out var count) ? count : null,
                be.ValueKind == JsonValueKind.Object && be.TryGetProperty("maxmem", out var maxmem) && maxmem.TryGetInt64(out var memory) ? memory : null,
                disks, [.. nics], instance.StringOf("os"), instance.StringOf("pnode")));
        }
        return instances;
    }

    private static IEnumerable<(int Index, string? Ip, string? Mac, string? Network)> Nics(JsonElement instance)
    {
        var ips = Texts(instance, "nic.ips");
        var macs = Texts(instance, "nic.macs");
        var networks = Texts(instance, "nic.networks.names");
        for (var i = 0; i < Math.Max(ips.Count, macs.Count); i++)
        {
            yield return (i, i < ips.Count ? ips[i] : null, i < macs.Count ? macs[i] : null, i < networks.Count ? networks[i] : null);
        }
    }

    /// <summary>Each Ganeti network's subnets (/2/networks?bulk=1), by name.</summary>
    private async Task<Dictionary<string, (string? Subnet, string? Subnet6)>> NetworksAsync(CancellationToken cancellationToken)
    {
        var subnets = new Dictionary<string, (string?, string?)>(StringComparer.Ordinal);
        using var networks = await GetAsync("/2/networks?bulk=1", cancellationToken).ConfigureAwait(false);
        foreach (var network in networks.RootElement.EnumerateArray())
        {
            if (network.StringOf("name") is { } name)
            {
                subnets[name] = (network.StringOf("network") is { Length: > 0 } subnet ? subnet : null, network.StringOf("network6") is { Length: > 0 } subnet6 ? subnet6 : null);
            }
        }
        return subnets;
    }

    /// <summary>The ids of the jobs Ganeti's queue holds, not archived ones (/2/jobs).</summary>
    public async Task<IReadOnlyList<long>> JobIdsAsync(CancellationToken cancellationToken)
    {
        using var answer = await GetAsync("/2/jobs", cancellationToken).ConfigureAwait(false);
        var ids = new List<long>();
        foreach (var job in answer.RootElement.EnumerateArray())
        {
            // A number in Ganeti 3.0; older releases gave a string of digits.
            var id = job.GetProperty("id");
            ids.Add(id.ValueKind == JsonValueKind.Number ? id.GetInt64()
                : long.Parse(id.GetString() ?? "", System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture));
        }
        ids.Sort();
        return ids;
    }

    /// <summary>One job as /2/jobs/ID gives it (opcodes, statuses, results, log, times); null when Ganeti knows no such job.</summary>
    public async Task<JsonDocument?> JobAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAsync($"/2/jobs/{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<JsonDocument> GetAsync(string path, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _client.GetAsync(new Uri(_root, path), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Display} did not answer {path} within {_timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            throw new HttpRequestException($"{Display}: {e.Message}" + (e.InnerException is { } inner ? $" ({inner.Message})" : ""), e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"{Display} answered {(int)response.StatusCode} {response.ReasonPhrase} for {path}", null, response.StatusCode);
            }
            if (response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                throw new InvalidDataException($"{Display}: {path} is larger than {MaxAnswerBytes / 1024 / 1024} MiB");
            }
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static List<string?> Texts(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : null)]
            : [];

    public void Dispose() => _client.Dispose();
}
