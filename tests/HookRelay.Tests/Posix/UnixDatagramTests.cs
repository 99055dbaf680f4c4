using System.Net.Sockets;
using HookRelay.Posix;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Posix;

public sealed class UnixDatagramTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private Socket Listener(string name)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { ReceiveTimeout = 5000 };
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(_dir.Path, name)));
        return listener;
    }

    [Fact]
    public void A_bound_listener_receives_the_payload_as_sent()
    {
        using var listener = Listener("wake.sock");
        Assert.Equal(UnixDatagram.Outcome.Sent, UnixDatagram.Send(Path.Combine(_dir.Path, "wake.sock"), "hello, daemon"u8));
        var buffer = new byte[64];
        Assert.Equal("hello, daemon", System.Text.Encoding.UTF8.GetString(buffer, 0, listener.Receive(buffer)));
    }

    [Fact]
    public void No_socket_file_and_a_path_too_long_for_a_socket_address_mean_no_listener()
    {
        Assert.Equal(UnixDatagram.Outcome.NoListener, UnixDatagram.Send(Path.Combine(_dir.Path, "absent"), [1]));
        Assert.Equal(UnixDatagram.Outcome.NoListener, UnixDatagram.Send("/tmp/" + new string('x', 120), [1]));
    }

    [Fact]
    public void A_listener_whose_queue_is_full_is_busy_and_the_sender_does_not_wait()
    {
        using var listener = Listener("busy.sock");
        var path = Path.Combine(_dir.Path, "busy.sock");
        var outcomes = Enumerable.Range(0, 100).Select(_ => UnixDatagram.Send(path, new byte[1000])).ToList();
        Assert.Equal(UnixDatagram.Outcome.Sent, outcomes[0]);
        Assert.Equal(UnixDatagram.Outcome.ListenerBusy, outcomes[^1]);
    }
}
