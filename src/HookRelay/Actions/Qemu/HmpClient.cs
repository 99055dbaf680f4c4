using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace HookRelay.Actions.Qemu;

/// <summary>
/// QEMU's human monitor (HMP) over its unix socket: the fallback where an instance has no QMP
/// socket. Text, not JSON: a command is a line, its answer everything up to the next "(qemu) "
/// prompt, after the monitor's own echo of the line (with terminal escapes, stripped here). An
/// answer starting "Error:" is QEMU refusing the command.
/// </summary>
public sealed partial class HmpClient : IAsyncDisposable
{
    private const string Prompt = "(qemu) ";
    private const int MaxAnswer = 1024 * 1024;
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[16384];

    private HmpClient(Socket socket) => _socket = socket;

    public static async Task<HmpClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var client = new HmpClient(socket);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            var greeting = await client.ReadToPromptAsync(cancellationToken).ConfigureAwait(false);
            if (!greeting.Contains("QEMU", StringComparison.Ordinal))
            {
                throw new IOException($"{socketPath} did not greet as QEMU's monitor");
            }
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs one command line; its answer without the echo and the prompt, or <see cref="QmpException"/> when QEMU says Error.</summary>
    public async Task<string> ExecuteAsync(string command, CancellationToken cancellationToken)
    {
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken).ConfigureAwait(false);
        var answer = await ReadToPromptAsync(cancellationToken).ConfigureAwait(false);
        // The first line is the monitor echoing what it was sent.
        var newline = answer.IndexOf('\n', StringComparison.Ordinal);
        var output = (newline < 0 ? "" : answer[(newline + 1)..]).Replace("\r", "", StringComparison.Ordinal).Trim();
        return output.StartsWith("Error:", StringComparison.Ordinal)
            ? throw new QmpException(command, "HMP", output["Error:".Length..].Trim())
            : output;
    }

    private async Task<string> ReadToPromptAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (!text.ToString().EndsWith(Prompt, StringComparison.Ordinal))
        {
            var read = await _socket.ReceiveAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("QEMU closed the monitor connection");
            }
            text.Append(Encoding.UTF8.GetString(_buffer, 0, read));
            if (text.Length > MaxAnswer)
            {
                throw new IOException("a monitor answer of more than 1 MiB: not QEMU speaking");
            }
        }
        var all = TerminalEscape().Replace(text.ToString(), "");
        return all[..^Prompt.Length];
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
    private static partial Regex TerminalEscape();

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
