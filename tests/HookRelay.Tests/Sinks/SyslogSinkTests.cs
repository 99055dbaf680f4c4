using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

/// <summary>The syslog sink received on real sockets (unix datagram, UDP, TCP) bound by the test, each record checked against RFC 5424.</summary>
public sealed partial class SyslogSinkTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // HEADER SP STRUCTURED-DATA SP BOM MSG (RFC 5424 section 6), with our one SD element.
    [GeneratedRegex("""^<(?<pri>\d{1,3})>1 (?<time>\S+) (?<host>\S+) (?<app>\S+) (?<proc>\d+) (?<msgid>\S+) \[(?<sdid>[^ =\]"]+)(?<params>( [a-z_]+="([^"\\\]]|\\["\\\]])*")*)\] \uFEFF(?<msg>[^\n]*)$""")]
    private static partial Regex Rfc5424();

    [GeneratedRegex(""""([a-z_]+)="((?:[^"\\\]]|\\["\\\]])*)"""")]
    private static partial Regex Param();

    private static SyslogSink Sink(params (string, string)[] settings) =>
        SyslogSink.Create(SinkTestEvents.Settings("syslog", settings), RouteTexts.None);

    private static (Match Record, Dictionary<string, string> Params) Parse(byte[] datagram)
    {
        var text = Encoding.UTF8.GetString(datagram);
        var match = Rfc5424().Match(text);
        Assert.True(match.Success, $"not RFC 5424: {text[..Math.Min(text.Length, 400)]}");
        var parameters = Param().Matches(match.Groups["params"].Value)
            .ToDictionary(m => m.Groups[1].Value, m => Regex.Replace(m.Groups[2].Value, """\\(["\\\]])""", "$1"), StringComparer.Ordinal);
        return (match, parameters);
    }

    [Fact]
    public async Task A_record_reaches_a_local_datagram_socket_with_structured_data()
    {
        var path = Path.Combine(_dir.Path, "log.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        var result = await Sink(("socket", path), ("facility", "local3"), ("severity", "notice")).DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken);
        Assert.IsType<DeliveryResult.Delivered>(result);
        var buffer = new byte[65536];
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken);
        var (record, parameters) = Parse(buffer[..length]);
        Assert.Equal((19 * 8) + 5, int.Parse(record.Groups["pri"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("2026-11-25T10:00:00.000000Z", record.Groups["time"].Value);
        Assert.Equal("node1.lab.example", record.Groups["host"].Value);
        Assert.Equal("instance-migrate.post", record.Groups["msgid"].Value);
        Assert.Equal(SyslogSink.DefaultSdId, record.Groups["sdid"].Value);
        Assert.Equal(SinkTestEvents.Id, parameters["id"]);
        Assert.Equal("web-1.lab.example", parameters["target"]);
        Assert.Equal("4200", parameters["duration_ms"]);
        Assert.Equal("web-1.lab.example live-migrated node1.lab.example → node2.lab.example on cluster cluster.lab.example (4.2 s)", record.Groups["msg"].Value);
    }

    [Theory]
    [InlineData("quote\" bracket] back\\slash")]
    [InlineData("new\nline\r\nand \u0000 nul")]
    [InlineData("名前-😀")]
    public async Task Hostile_values_stay_inside_their_sd_param_over_udp(string name)
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var message = SinkTestEvents.LiveMigration(ev => ev with { Target = name });
        Assert.IsType<DeliveryResult.Delivered>(await Sink(("address", $"udp://127.0.0.1:{port}")).DeliverAsync(message, TestContext.Current.CancellationToken));
        var received = await udp.ReceiveAsync(TestContext.Current.CancellationToken);
        var (_, parameters) = Parse(received.Buffer);
        Assert.Equal(TextFormats.OneLine(name), parameters["target"]);
        Assert.Equal("node1.lab.example", parameters["node"]);
    }

    [Fact]
    public async Task Tcp_records_are_octet_counted()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var send = Sink(("address", $"tcp://127.0.0.1:{port}")).DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken).AsTask();
        using var client = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
        using var received = new MemoryStream();
        await client.GetStream().CopyToAsync(received, TestContext.Current.CancellationToken);
        Assert.IsType<DeliveryResult.Delivered>(await send);
        var bytes = received.ToArray();
        var space = Array.IndexOf(bytes, (byte)' ');
        var length = int.Parse(Encoding.ASCII.GetString(bytes, 0, space), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(bytes.Length - space - 1, length);
        Parse(bytes[(space + 1)..]);
    }

    [Fact]
    public async Task A_missing_socket_is_retried_naming_it()
    {
        var path = Path.Combine(_dir.Path, "nobody.sock");
        var retry = Assert.IsType<DeliveryResult.Retry>(await Sink(("socket", path)).DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken));
        Assert.Contains(path, retry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_facility_is_refused_naming_the_choices() =>
        Assert.Contains("local7", Assert.Throws<InvalidOperationException>(() => Sink(("facility", "local9"))).Message, StringComparison.Ordinal);
}
