using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HookRelay.Tests.Support;

/// <summary>
/// A port on this host's loopback that reaches a port inside a lab node's network namespace: each
/// connection is carried by a socat that `ganeti-lab.sh sh NODE` starts in the node. What lets a
/// browser on the host open the page a lab node's daemon serves, as an operator's would.
/// </summary>
public sealed class NodePortForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _script;
    private readonly string _labDir;
    private readonly int _node;
    private readonly string _target;
    private readonly Task _accepting;

    public NodePortForwarder(string script, string labDir, int node, int port)
    {
        _script = script;
        _labDir = labDir;
        _node = node;
        _target = $"TCP:127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The loopback port on this host.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => CarryAsync(client));
        }
    }

    private async Task CarryAsync(TcpClient client)
    {
        var start = new ProcessStartInfo(_script, ["sh", _node.ToString(System.Globalization.CultureInfo.InvariantCulture), "socat", "STDIO", _target])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HOOKRELAY_LAB_DIR"] = _labDir;
        using (client)
        using (var socat = Process.Start(start)!)
        {
            socat.ErrorDataReceived += (_, _) => { };
            socat.BeginErrorReadLine();
            var network = client.GetStream();
            var toNode = Task.Run(async () =>
            {
                try
                {
                    await network.CopyToAsync(socat.StandardInput.BaseStream, _stop.Token);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
                {
                }
                finally
                {
                    socat.StandardInput.Close();
                }
            });
            try
            {
                await socat.StandardOutput.BaseStream.CopyToAsync(network, _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
            client.Client.Shutdown(SocketShutdown.Both);
            if (!socat.WaitForExit(2000))
            {
                socat.Kill();
            }
            await toNode.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
