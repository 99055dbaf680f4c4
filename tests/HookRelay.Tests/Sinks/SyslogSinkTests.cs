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

    /// <summary>One RFC 6587 octet-counted frame from the stream: "LENGTH SP RECORD".</summary>
    private static async Task<byte[]> ReadFrame(Stream stream)
    {
        var digits = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one, TestContext.Current.CancellationToken) == 1 && one[0] != (byte)' ')
        {
            digits.Append((char)one[0]);
        }
        var record = new byte[int.Parse(digits.ToString(), System.Globalization.CultureInfo.InvariantCulture)];
        await stream.ReadExactlyAsync(record, TestContext.Current.CancellationToken);
        return record;
    }

    [Fact]
    public async Task Tcp_records_are_octet_counted_on_one_kept_connection_closed_with_the_sink()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sink = Sink(("address", $"tcp://127.0.0.1:{port}"));
        var first = sink.DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken).AsTask();
        using var client = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        Parse(await ReadFrame(stream));
        Assert.IsType<DeliveryResult.Delivered>(await first);

        for (var i = 0; i < 2; i++)
        {
            Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken));
            Parse(await ReadFrame(stream));
        }

        Assert.Equal(1, sink.ConnectionsOpened);
        Assert.False(listener.Pending());
        sink.Dispose();
        Assert.Equal(0, await stream.ReadAsync(new byte[1], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_collector_that_hung_up_gets_a_new_connection_and_the_record()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var sink = Sink(("address", $"tcp://127.0.0.1:{port}"));
        var first = sink.DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken).AsTask();
        using (var gone = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken))
        {
            Parse(await ReadFrame(gone.GetStream()));
            Assert.IsType<DeliveryResult.Delivered>(await first);
        }
        await Task.Delay(200, TestContext.Current.CancellationToken);

        var second = sink.DeliverAsync(SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken).AsTask();
        using var again = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
        Parse(await ReadFrame(again.GetStream()));
        Assert.IsType<DeliveryResult.Delivered>(await second);
        Assert.Equal(2, sink.ConnectionsOpened);
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
