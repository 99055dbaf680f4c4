using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;

namespace HookRelay.Sinks.Dns;

/// <summary>
/// Any server that takes RFC 2136 dynamic updates (BIND, Knot, PowerDNS), with ARSoft.Tools.Net:
/// one UPDATE per zone write (delete each RRset, add its new records: the server applies a message
/// whole), signed with TSIG when a key is configured; reads are plain queries to the same server;
/// a zone is read whole by a TSIG-signed AXFR (<see cref="ZoneTransfer"/>). ARSoft computes but
/// never enforces the server's TSIG on an answer: it is checked here.
/// </summary>
public sealed class Rfc2136Provider : IDnsProvider
{
    /// <summary>The SHA-2 HMACs (RFC 8945 §6 requires hmac-sha256; hmac-md5 and hmac-sha1 are deprecated and not offered).</summary>
    public static readonly string[] Algorithms = ["hmac-sha256", "hmac-sha384", "hmac-sha512"];

    private readonly DnsClient _client;
    private readonly IPEndPoint _server;
    private readonly TsigKey? _key;
    private readonly TimeSpan _timeout;

    private Rfc2136Provider(IPEndPoint server, TsigKey? key, TimeSpan timeout)
    {
        _server = server;
        _key = key;
        _timeout = timeout;
        _client = new DnsClient([server.Address], [new UdpClientTransport(server.Port), new TcpClientTransport(server.Port)], disposeTransport: true,
            queryTimeout: (int)timeout.TotalMilliseconds);
    }

    public string Display => $"DNS server {_server}";

    /// <summary>An UPDATE must fit in one 64 KiB message: a change is a delete and its records (up to ~300 bytes for an owner TXT).</summary>
    public int ChangesPerWrite => 150;

    public static Rfc2136Provider From(SinkSettings settings)
    {
        var server = Endpoint(settings.Required("server"), settings.Subject);
        TsigKey? key = null;
        if (settings.Text("tsig_key") is { } keyName)
        {
            var secret = settings.RequiredSecret("tsig_secret");
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(secret.Trim());
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{settings.Subject}: tsig_secret is not base64 (as tsig-keygen prints it)");
            }
            key = new TsigKey(DnsNames.Absolute(keyName), settings.Text("tsig_algorithm") ?? "hmac-sha256", bytes);
        }
        else if (settings.Text("tsig_secret") is not null)
        {
            throw new InvalidOperationException($"{settings.Subject}: tsig_secret is set but tsig_key (the key's name) is not");
        }
        return new Rfc2136Provider(server, key, settings.Duration("timeout", TimeSpan.FromSeconds(10)));
    }

    private static IPEndPoint Endpoint(string server, string subject)
    {
        var (host, port) = Connections.HostPort.Split(server, 53);
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }
        try
        {
            return new IPEndPoint(System.Net.Dns.GetHostAddresses(host)[0], port);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"{subject}: server {host} does not resolve ({e.Message})");
        }
    }

    public async Task<IReadOnlyList<RecordSet>> ReadAsync(IReadOnlyCollection<string> names, IReadOnlyList<string> zones, CancellationToken cancellationToken)
    {
        var sets = new List<RecordSet>();
        foreach (var name in names)
        {
            foreach (var type in DnsTypes.Managed)
            {
                var answer = await _client.ResolveAsync(DomainName.Parse(name), TypeOf(type), RecordClass.INet, new DnsQueryOptions { IsRecursionDesired = false }, cancellationToken)
                    .ConfigureAwait(false) ?? throw new DnsProviderException($"{Display} did not answer a query for {name} {type} within {_timeout.TotalSeconds:0.###} s", retry: true);
                if (answer.ReturnCode is not (ReturnCode.NoError or ReturnCode.NxDomain))
                {
                    throw Refused($"a query for {name} {type}", answer.ReturnCode, null);
                }
                var records = answer.AnswerRecords.Where(r => r.RecordType == TypeOf(type) && DnsNames.Absolute(r.Name.ToString()) == name).ToList();
                if (records.Count > 0)
                {
                    sets.Add(new RecordSet(name, type, records.Min(r => r.TimeToLive), records.Select(ValueOf)));
                }
            }
        }
        return sets;
    }

    public async Task<IReadOnlyList<RecordSet>> ReadZoneAsync(string zone, CancellationToken cancellationToken)
    {
        var records = await new ZoneTransfer(_server, _key, _timeout).ReadAsync(zone, cancellationToken).ConfigureAwait(false);
        return [.. records.Where(r => DnsTypes.Managed.Contains(r.RecordType.ToString().ToUpperInvariant()))
            .GroupBy(r => (Name: DnsNames.Absolute(r.Name.ToString()), Type: r.RecordType.ToString().ToUpperInvariant()))
            .Select(g => new RecordSet(g.Key.Name, g.Key.Type, g.Min(r => r.TimeToLive), g.Select(ValueOf)))];
    }

    public async Task ApplyAsync(string zone, IReadOnlyList<RecordChange> changes, CancellationToken cancellationToken)
    {
        var update = new DnsUpdateMessage { ZoneName = DomainName.Parse(zone) };
        foreach (var change in changes)
        {
            update.Updates.Add(new DeleteAllRecordsUpdate(DomainName.Parse(change.Key.Name), TypeOf(change.Key.Type)));
            if (change is RecordChange.Replace { Set: var set })
            {
                foreach (var value in set.Values)
                {
                    update.Updates.Add(new AddRecordUpdate(RecordOf(set, value)));
                }
            }
        }
        if (_key is { } key)
        {
            update.TSigOptions = new TSigRecord(DomainName.Parse(key.Name), key.Algorithm, DateTime.UtcNow, TimeSpan.FromSeconds(300), update.TransactionID,
                ReturnCode.NoError, null, key.Secret);
        }
        var answer = await _client.SendUpdateAsync(update, cancellationToken).ConfigureAwait(false)
            ?? throw new DnsProviderException($"{Display} did not answer the update of zone {zone} within {_timeout.TotalSeconds:0.###} s", retry: true);
        if (answer.ReturnCode != ReturnCode.NoError)
        {
            throw Refused($"the update of zone {zone}", answer.ReturnCode, answer.TSigOptions?.Error);
        }
        if (_key is not null && answer.TSigOptions?.ValidationResult != ReturnCode.NoError)
        {
            throw new DnsProviderException($"{Display} accepted the update of zone {zone}, but its answer is not signed with the key: it may not come from the server", retry: false);
        }
    }

    private DnsProviderException Refused(string what, ReturnCode code, ReturnCode? tsigError)
    {
        var detail = (code, tsigError) switch
        {
            (ReturnCode.NotAuthoritive, { } error) when error != ReturnCode.NoError => $"NOTAUTH, TSIG {TsigErrorName(error)}: the key's name, secret or algorithm is not what the server has",
            (ReturnCode.NotAuthoritive, _) => "NOTAUTH: the server is not authoritative for the zone, or the key is not allowed to update it",
            (ReturnCode.Refused, _) => "REFUSED: the server does not allow this from here (an update policy for the key, allow-update, or the zone is not served)",
            (ReturnCode.NotZone, _) => "NOTZONE: a name is outside the zone",
            _ => CodeName(code),
        };
        // A server that failed (SERVFAIL) may succeed later; a refusal will not change by asking again.
        return new DnsProviderException($"{Display} refused {what}: {detail}", retry: code == ReturnCode.ServerFailure);
    }

    private static string TsigErrorName(ReturnCode error) => (int)error switch
    {
        16 => "BADSIG",
        17 => "BADKEY",
        18 => "BADTIME",
        21 => "BADALG",
        _ => ((int)error).ToString(CultureInfo.InvariantCulture),
    };

    internal static string CodeName(ReturnCode code) => code switch
    {
        ReturnCode.FormatError => "FORMERR",
        ReturnCode.ServerFailure => "SERVFAIL",
        ReturnCode.NxDomain => "NXDOMAIN",
        ReturnCode.NotImplemented => "NOTIMP",
        ReturnCode.Refused => "REFUSED",
        ReturnCode.YXDomain => "YXDOMAIN",
        ReturnCode.YXRRSet => "YXRRSET",
        ReturnCode.NXRRSet => "NXRRSET",
        ReturnCode.NotAuthoritive => "NOTAUTH",
        ReturnCode.NotZone => "NOTZONE",
        _ => $"rcode {(int)code}",
    };

    private static RecordType TypeOf(string type) => type switch
    {
        DnsTypes.A => RecordType.A,
        DnsTypes.Aaaa => RecordType.Aaaa,
        DnsTypes.PtrType => RecordType.Ptr,
        DnsTypes.Txt => RecordType.Txt,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a type HookRelay writes"),
    };

    private static DnsRecordBase RecordOf(RecordSet set, string value)
    {
        var name = DomainName.Parse(set.Name);
        return set.Type switch
        {
            DnsTypes.A => new ARecord(name, set.Ttl, IPAddress.Parse(value)),
            DnsTypes.Aaaa => new AaaaRecord(name, set.Ttl, IPAddress.Parse(value)),
            DnsTypes.PtrType => new PtrRecord(name, set.Ttl, DomainName.Parse(value)),
            _ => new TxtRecord(name, set.Ttl, value),
        };
    }

    private static string ValueOf(DnsRecordBase record) => record switch
    {
        ARecord a => DnsNames.Text(a.Address),
        AaaaRecord aaaa => DnsNames.Text(aaaa.Address),
        PtrRecord ptr => DnsNames.Absolute(ptr.PointerDomainName.ToString()),
        TxtRecord txt => txt.TextData,
        _ => record.ToString(),
    };

    public void Dispose() => ((IDisposable)_client).Dispose();
}

/// <summary>A TSIG key: its absolute name, algorithm name (hmac-sha256...) and secret.</summary>
public sealed record TsigKey(string Name, string AlgorithmName, byte[] Secret)
{
    public TSigAlgorithm Algorithm => AlgorithmName switch
    {
        "hmac-sha512" => TSigAlgorithm.Sha512,
        "hmac-sha384" => TSigAlgorithm.Sha384,
        _ => TSigAlgorithm.Sha256,
    };

    /// <summary>The algorithm's name on the wire (RFC 8945 §6).</summary>
    public string WireAlgorithm => AlgorithmName + ".";
}
