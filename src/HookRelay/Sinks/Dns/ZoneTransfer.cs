using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ARSoft.Tools.Net.Dns;

namespace HookRelay.Sinks.Dns;

/// <summary>
/// A zone read whole by AXFR over TCP (RFC 5936), the request signed with TSIG and every signed
/// answer message checked (RFC 8945 §5.3.1: the first against the request's MAC, each next one
/// against the previous MAC with the timers only). Written here because ARSoft.Tools.Net 3.6.1
/// cannot: it matches each answer to its request by id and question, and a server's second and
/// later AXFR messages carry no question (BIND's do not), so a zone that does not fit in one
/// message never arrives (seen: null after the timeout, NativeAOT and JIT alike); it also checks
/// every message against the request's MAC. ARSoft still parses the records of each message.
/// </summary>
public sealed class ZoneTransfer(IPEndPoint server, TsigKey? key, TimeSpan timeout)
{
    private const ushort TypeAxfr = 252;
    private const ushort TypeTsig = 250;
    private const ushort TypeSoa = 6;
    private const ushort ClassAny = 255;
    private const ushort Fudge = 300;

    public async Task<IReadOnlyList<DnsRecordBase>> ReadAsync(string zone, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await TransferAsync(zone, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DnsProviderException($"DNS server {server} did not finish the transfer of zone {zone} within {timeout.TotalSeconds:0.###} s", retry: true);
        }
        catch (SocketException e)
        {
            throw new DnsProviderException($"DNS server {server}: {e.Message}", retry: true);
        }
        catch (IOException e)
        {
            throw new DnsProviderException($"DNS server {server} broke off the transfer of zone {zone}: {e.Message}", retry: true);
        }
    }

    private async Task<List<DnsRecordBase>> TransferAsync(string zone, CancellationToken token)
    {
        using var tcp = new TcpClient(server.AddressFamily);
        await tcp.ConnectAsync(server, token).ConfigureAwait(false);
        var stream = tcp.GetStream();
        var id = (ushort)RandomNumberGenerator.GetInt32(1, 0xffff);
        var (request, requestMac) = Request(zone, id);
        var framed = new byte[request.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)request.Length);
        request.CopyTo(framed, 2);
        await stream.WriteAsync(framed, token).ConfigureAwait(false);

        var records = new List<DnsRecordBase>();
        var soas = 0;
        var previousMac = requestMac;
        var unsigned = new List<byte[]>();
        var first = true;
        while (soas < 2)
        {
            var message = await ReadMessageAsync(stream, token).ConfigureAwait(false);
            var rcode = message[3] & 0x0f;
            if (rcode != 0)
            {
                var code = (ReturnCode)rcode;
                throw new DnsProviderException($"DNS server {server} refused the transfer of zone {zone}: {Rfc2136Provider.CodeName(code)}"
                    + (code is ReturnCode.NotAuthoritive or ReturnCode.Refused ? " (the key is not allowed to transfer it: allow-transfer)" : ""), retry: false);
            }
            if (key is not null)
            {
                previousMac = Verify(zone, message, previousMac, unsigned, first);
            }
            first = false;
            foreach (var record in DnsMessage.Parse(new ArraySegment<byte>(message)).AnswerRecords)
            {
                if ((ushort)record.RecordType == TypeSoa)
                {
                    soas++;
                    if (soas == 2)
                    {
                        break;
                    }
                    continue;
                }
                records.Add(record);
            }
            if (soas == 0)
            {
                throw new DnsProviderException($"DNS server {server} answered the transfer of zone {zone} without its SOA: it does not serve the zone", retry: false);
            }
        }
        return records;
    }

    private static async Task<byte[]> ReadMessageAsync(NetworkStream stream, CancellationToken token)
    {
        var length = new byte[2];
        await stream.ReadExactlyAsync(length, token).ConfigureAwait(false);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(message, token).ConfigureAwait(false);
        return message;
    }

    private (byte[] Message, byte[] Mac) Request(string zone, ushort id)
    {
        var query = new List<byte>(128);
        Add16(query, id);
        Add16(query, 0); // a standard query
        Add16(query, 1);
        Add16(query, 0);
        Add16(query, 0);
        Add16(query, 0);
        AddName(query, zone);
        Add16(query, TypeAxfr);
        Add16(query, 1);
        if (key is null)
        {
            return ([.. query], []);
        }
        var signedAt = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var digest = new List<byte>(query);
        var timers = new List<byte>(8);
        Add48(timers, signedAt);
        Add16(timers, Fudge);
        AddVariables(digest, [.. timers], [0, 0, 0, 0]);
        var mac = Hmac(digest);
        AddName(query, key.Name);
        Add16(query, TypeTsig);
        Add16(query, ClassAny);
        Add32(query, 0);
        var rdata = new List<byte>();
        AddName(rdata, key.WireAlgorithm);
        rdata.AddRange(timers);
        Add16(rdata, (ushort)mac.Length);
        rdata.AddRange(mac);
        Add16(rdata, id);
        Add16(rdata, 0);
        Add16(rdata, 0);
        Add16(query, (ushort)rdata.Count);
        query.AddRange(rdata);
        var message = query.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(10), 1); // ARCOUNT: the TSIG record
        return (message, mac);
    }

    /// <summary>Checks a signed message and gives its MAC, the one the next is signed against; an unsigned message is kept for the next signed one (at most 99 may go unsigned).</summary>
    private byte[] Verify(string zone, byte[] message, byte[] previousMac, List<byte[]> unsigned, bool first)
    {
        if (FindTsig(message) is not { } tsig)
        {
            if (first || unsigned.Count >= 99)
            {
                throw new DnsProviderException($"DNS server {server}: the transfer of zone {zone} is not signed with the key", retry: false);
            }
            unsigned.Add(message);
            return previousMac;
        }
        var rdata = message.AsSpan(tsig.RdataStart);
        var algorithmEnd = SkipName(message, tsig.RdataStart) - tsig.RdataStart;
        var timers = rdata.Slice(algorithmEnd, 8);
        var macLength = BinaryPrimitives.ReadUInt16BigEndian(rdata[(algorithmEnd + 8)..]);
        var mac = rdata.Slice(algorithmEnd + 10, macLength).ToArray();
        var error = BinaryPrimitives.ReadUInt16BigEndian(rdata[(algorithmEnd + 12 + macLength)..]);
        if (error != 0)
        {
            throw new DnsProviderException($"DNS server {server} refused the transfer of zone {zone}: TSIG error {error} (the key's name, secret or algorithm is not what the server has)", retry: false);
        }
        var digest = new List<byte>();
        Add16(digest, (ushort)previousMac.Length);
        digest.AddRange(previousMac);
        foreach (var earlier in unsigned)
        {
            digest.AddRange(earlier);
        }
        unsigned.Clear();
        var stripped = message.AsSpan(0, tsig.Start).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(stripped.AsSpan(10), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(stripped.AsSpan(10)) - 1));
        digest.AddRange(stripped);
        if (first)
        {
            // The whole variables, as in the request, with the answer's own timers, error and other data.
            AddVariables(digest, timers, rdata[(algorithmEnd + 12 + macLength)..]);
        }
        else
        {
            digest.AddRange(timers.ToArray());
        }
        if (!CryptographicOperations.FixedTimeEquals(Hmac(digest), mac))
        {
            throw new DnsProviderException($"DNS server {server}: a message of the transfer of zone {zone} does not carry the key's signature", retry: false);
        }
        return mac;
    }

    /// <summary>Where the message's TSIG record starts and where its data starts, when its last additional record is one.</summary>
    private static (int Start, int RdataStart)? FindTsig(byte[] message)
    {
        var counts = Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(4 + (2 * i)))).ToArray();
        if (counts[3] == 0)
        {
            return null;
        }
        var at = 12;
        for (var i = 0; i < counts[0]; i++)
        {
            at = SkipName(message, at) + 4;
        }
        var records = counts[1] + counts[2] + counts[3];
        for (var i = 0; i < records; i++)
        {
            var start = at;
            at = SkipName(message, at);
            var type = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at));
            var length = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(at + 8));
            if (i == records - 1 && type == TypeTsig)
            {
                return (start, at + 10);
            }
            at += 10 + length;
        }
        return null;
    }

    private static int SkipName(byte[] message, int at)
    {
        while (true)
        {
            var length = message[at];
            if (length == 0)
            {
                return at + 1;
            }
            if ((length & 0xc0) == 0xc0)
            {
                return at + 2;
            }
            at += 1 + length;
        }
    }

    private byte[] Hmac(List<byte> data)
    {
        var bytes = data.ToArray();
        return key!.AlgorithmName switch
        {
            "hmac-sha512" => HMACSHA512.HashData(key.Secret, bytes),
            "hmac-sha384" => HMACSHA384.HashData(key.Secret, bytes),
            _ => HMACSHA256.HashData(key.Secret, bytes),
        };
    }

    /// <summary>The TSIG variables a MAC covers (RFC 8945 §4.3.3): key name, class, TTL, algorithm, then the timers (time signed, fudge) and the error and other data as sent.</summary>
    private void AddVariables(List<byte> digest, ReadOnlySpan<byte> timers, ReadOnlySpan<byte> errorAndOther)
    {
        AddName(digest, key!.Name);
        Add16(digest, ClassAny);
        Add32(digest, 0);
        AddName(digest, key.WireAlgorithm);
        digest.AddRange(timers);
        digest.AddRange(errorAndOther);
    }

    /// <summary>A name in wire form, lower case and uncompressed (the canonical form TSIG signs).</summary>
    private static void AddName(List<byte> buffer, string name)
    {
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = Encoding.ASCII.GetBytes(label.ToLowerInvariant());
            buffer.Add((byte)bytes.Length);
            buffer.AddRange(bytes);
        }
        buffer.Add(0);
    }

    private static void Add16(List<byte> buffer, ushort value)
    {
        buffer.Add((byte)(value >> 8));
        buffer.Add((byte)value);
    }

    private static void Add32(List<byte> buffer, uint value)
    {
        Add16(buffer, (ushort)(value >> 16));
        Add16(buffer, (ushort)value);
    }

    private static void Add48(List<byte> buffer, ulong value)
    {
        Add16(buffer, (ushort)(value >> 32));
        Add32(buffer, (uint)value);
    }
}
