namespace HookRelay.Sinks;

/// <summary>
/// Reads a stream to its end in the background and keeps only its last bytes: a program's output
/// is drained however much it writes (a full pipe would block it) in bounded memory.
/// </summary>
public sealed class StreamTail
{
    private readonly byte[] _tail;
    private int _length;

    public StreamTail(Stream stream, int keep)
    {
        _tail = new byte[keep];
        Done = PumpAsync(stream);
    }

    /// <summary>Completes when the stream ended (or broke).</summary>
    public Task Done { get; }

    /// <summary>The last bytes read so far.</summary>
    public byte[] Snapshot()
    {
        lock (_tail)
        {
            return _tail.AsSpan(0, _length).ToArray();
        }
    }

    private async Task PumpAsync(Stream stream)
    {
        var chunk = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk).ConfigureAwait(false)) > 0)
            {
                Keep(chunk.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process was disposed while a child of it still held the pipe: nothing more to keep.
        }
    }

    private void Keep(ReadOnlySpan<byte> data)
    {
        lock (_tail)
        {
            if (data.Length >= _tail.Length)
            {
                data[^_tail.Length..].CopyTo(_tail);
                _length = _tail.Length;
                return;
            }
            var kept = Math.Min(_length, _tail.Length - data.Length);
            _tail.AsSpan(_length - kept, kept).CopyTo(_tail);
            data.CopyTo(_tail.AsSpan(kept));
            _length = kept + data.Length;
        }
    }
}
