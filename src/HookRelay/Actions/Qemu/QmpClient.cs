using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace HookRelay.Actions.Qemu;

/// <summary>QEMU answered a command with an error ({"error": {"class", "desc"}}).</summary>
public sealed class QmpException(string command, string errorClass, string description)
    : Exception($"QEMU refused {command}: {description} ({errorClass})")
{
    public string ErrorClass { get; } = errorClass;
}

/// <summary>
/// A QEMU Machine Protocol session over the monitor's unix socket: JSON lines, a greeting, then
/// qmp_capabilities, then commands one at a time. Asynchronous events QEMU interleaves are
/// skipped. QEMU serves one QMP client per socket at a time: sessions are kept short.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    /// <summary>QMP replies are small; a longer line is not QEMU speaking.</summary>
    private const int MaxLine = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new StreamReader(_stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
    }

    /// <summary>Connects, reads the greeting and leaves capabilities negotiation mode.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var client = new QmpClient(socket);
        try
        {
            using var greeting = await client.ReadMessageAsync(cancellationToken).ConfigureAwait(false);
            if (!greeting.RootElement.TryGetProperty("QMP", out _))
            {
                throw new IOException($"{socketPath} did not greet as a QMP monitor (an HMP monitor, or not QEMU?)");
            }
            await client.ExecuteAsync("qmp_capabilities", null, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs one command; its "return" value, or <see cref="QmpException"/> when QEMU answers with an error.</summary>
    public async Task<JsonElement> ExecuteAsync(string command, Action<Utf8JsonWriter>? arguments, CancellationToken cancellationToken)
    {
        var request = new MemoryStream();
        using (var writer = new Utf8JsonWriter(request))
        {
            writer.WriteStartObject();
            writer.WriteString("execute", command);
            if (arguments is not null)
            {
                writer.WriteStartObject("arguments");
                arguments(writer);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        request.WriteByte((byte)'\n');
        await _stream.WriteAsync(request.GetBuffer().AsMemory(0, (int)request.Length), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            using var reply = await ReadMessageAsync(cancellationToken).ConfigureAwait(false);
            var root = reply.RootElement;
            if (root.TryGetProperty("return", out var result))
            {
                return result.Clone();
            }
            if (root.TryGetProperty("error", out var error))
            {
                throw new QmpException(command, Text(error, "class"), Text(error, "desc"));
            }
            // {"event": ...}: something QEMU announces on its own; not our answer.
        }
    }

    private async Task<JsonDocument> ReadMessageAsync(CancellationToken cancellationToken)
    {
        var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new IOException("QEMU closed the QMP connection");
        if (line.Length > MaxLine)
        {
            throw new IOException($"a QMP message of {line.Length} characters: not QEMU speaking");
        }
        try
        {
            var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document : throw new IOException("a QMP message that is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new IOException($"the QMP socket sent something that is not JSON: {e.Message}", e);
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
