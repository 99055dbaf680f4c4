using System.Net.Sockets;
using System.Text;
using HookRelay.Logging;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Logging;

/// <summary>
/// These tests point the process-wide syslog socket and error writer at their own listener:
/// another class logging at the same time would land there, so they run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideLogging
{
    public const string Name = "process-wide logging";
}

[Collection(ProcessWideLogging.Name)]
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
        Assert.Null(Record.Exception(() => Syslog.Write(Syslog.Severity.Warning, "nobody listens")));
        Assert.False(File.Exists(Syslog.SocketPath), "writing must not create the socket path");
        Assert.Equal(0, _listener.Available);
    }

    [Fact]
    public async Task A_syslog_daemon_that_reads_nothing_never_holds_up_the_writer()
    {
        // The listener reads nothing: its queue (net.unix.max_dgram_qlen, 10 here) fills at once, and
        // a blocking send would wait for it for ever. The lines beyond are lost, the writer goes on.
        var writing = Task.Run(
            () =>
            {
                for (var i = 0; i < 200; i++)
                {
                    Syslog.Write(Syslog.Severity.Warning, $"line {i} " + new string('x', 1000));
                }
            },
            TestContext.Current.CancellationToken);
        Assert.Same(writing, await Task.WhenAny(writing, Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)));
        Assert.StartsWith("<28>", Receive(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_syslog_socket_left_by_a_dead_daemon_is_not_an_error()
    {
        // /dev/log still exists after the syslog daemon died: connecting is refused. (.NET removes
        // the path when its own socket is disposed, so a short-lived python3 leaves it behind.)
        var stale = Path.Combine(_dir.Path, "stale");
        using (var python = System.Diagnostics.Process.Start("python3", ["-c", "import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])", stale]))
        {
            python.WaitForExit();
        }
        Assert.True(File.Exists(stale), "python3 left no socket file behind");
        Syslog.SocketPath = stale;
        Assert.Null(Record.Exception(() => Syslog.Write(Syslog.Severity.Error, "nobody listens any more")));
    }
}
