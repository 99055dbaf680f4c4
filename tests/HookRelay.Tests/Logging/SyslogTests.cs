using System.Net.Sockets;
using System.Text;
using HookRelay.Logging;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Logging;

[Collection("syslog")]
public sealed class SyslogTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string _previous = Syslog.SocketPath;

    public SyslogTests()
    {
        var path = Path.Combine(_dir.Path, "log");
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.ReceiveTimeout = 5000;
        Syslog.SocketPath = path;
    }

    public void Dispose()
    {
        Syslog.SocketPath = _previous;
        _listener.Dispose();
        _dir.Dispose();
    }

    private string Receive()
    {
        var buffer = new byte[65536];
        var n = _listener.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void Errors_go_to_syslog_as_one_daemon_facility_line()
    {
        var err = new StringWriter();
        var previousErr = HookLog.Err;
        HookLog.Err = err;
        try
        {
            HookLog.Error("instance-add-pre: first\nsecond");
        }
        finally
        {
            HookLog.Err = previousErr;
        }
        var line = Receive();
        Assert.StartsWith("<27>", line, StringComparison.Ordinal); // daemon (3) * 8 + error (3)
        Assert.Contains($"hookrelay[{Environment.ProcessId}]: instance-add-pre: first second", line, StringComparison.Ordinal);
        Assert.Equal("hookrelay: instance-add-pre: first second\n", err.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_missing_syslog_socket_is_not_an_error()
    {
        Syslog.SocketPath = Path.Combine(_dir.Path, "absent");
        Syslog.Write(Syslog.Severity.Warning, "nobody listens");
    }
}
