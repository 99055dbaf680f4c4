namespace HookRelay.Sinks;

/// <summary>
/// Appends each event as one JSON line. The line goes out in a single write on a file opened for
/// append, so lines from concurrent writers never interleave; fsync (default on) makes it durable
/// before the delivery counts as done.
/// </summary>
public sealed class FileSink(string name, string path, bool fsync) : ISink
{
    public const string Type = "file";

    public string Name => name;

    public string Path => path;

    public static FileSink Create(SinkSettings settings) =>
        new(settings.SinkName, settings.RequiredSecret("path"), settings.Flag("fsync", true));

    public ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        var line = new byte[message.CloudEventJson.Length + 1];
        message.CloudEventJson.Span.CopyTo(line);
        line[^1] = (byte)'\n';
        try
        {
            using var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.ReadWrite,
                BufferSize = 0,
            });
            stream.Write(line);
            if (fsync)
            {
                stream.Flush(flushToDisk: true);
            }
            return ValueTask.FromResult(DeliveryResult.Ok);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A missing directory or a full disk may clear up; a permission problem rarely does, but
            // retrying it costs little and an operator fixing it should not lose the event.
            return ValueTask.FromResult<DeliveryResult>(new DeliveryResult.Retry($"cannot append to {path}: {e.Message}"));
        }
    }
}
