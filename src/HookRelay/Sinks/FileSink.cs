using System.Collections.Concurrent;
using HookRelay.Sinks.Declaration;

namespace HookRelay.Sinks;

/// <summary>
/// Appends each event as one JSON line, fsynced (default) before the delivery counts as done.
/// .NET opens FileMode.Append without O_APPEND and writes at an offset it tracks itself, so two
/// concurrent appends can land on the same offset: writes to one path are serialised here. Only
/// one process delivers from an outbox (the serve lock), so a lock in this process is enough.
/// With max_size, a line that would make the file bigger first rotates it (path → path.1 →
/// … → path.keep, the oldest dropped); an external logrotate works as well, since the file is
/// opened anew for every line.
/// </summary>
public sealed class FileSink(string name, string path, bool fsync, long? maxBytes = null, int keep = 5) : IBatchSink
{
    public const string Type = "file";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("path", "File to append JSON lines to, one CloudEvents 1.0 event per line.") with { Required = true },
        SinkKey.Flag("fsync", "Flush each line to disk before the hook exits (default true)."),
        SinkKey.Duration("timeout", "A write that takes twice this long (a FIFO without a reader, a hung NFS mount) is abandoned and retried (default: 60 s)."),
        SinkKey.Text("max_size", "Rotate before the file would grow past this: 512KB, 100MB, 1GB (default: never; an external logrotate works too).", minLength: null)
            with { Pattern = "^[0-9]+(KB|MB|GB)?$" },
        SinkKey.WholeNumber("keep", "Rotated files kept: path.1 (newest) … path.N (default 5)."),
    ], (settings, _) => Create(settings));
    private static readonly ConcurrentDictionary<string, object> Locks = new(StringComparer.Ordinal);

    public string Name => name;

    public string Path => path;

    public static FileSink Create(SinkSettings settings) =>
        new(settings.SinkName, settings.RequiredSecret("path"), settings.Flag("fsync", true), settings.ByteSize("max_size"),
            Math.Max(1, settings.WholeNumber("keep", 5)));

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken) =>
        (await DeliverBatchAsync([message], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>The lines in one write and one fsync: all of them are in the file, or the attempt failed for all.</summary>
    public ValueTask<IReadOnlyList<DeliveryResult>> DeliverBatchAsync(IReadOnlyList<SinkMessage> messages, CancellationToken cancellationToken)
    {
        var lines = new byte[messages.Sum(m => m.CloudEventJson.Length + 1)];
        var at = 0;
        foreach (var message in messages)
        {
            message.CloudEventJson.Span.CopyTo(lines.AsSpan(at));
            at += message.CloudEventJson.Length;
            lines[at++] = (byte)'\n';
        }
        DeliveryResult result;
        try
        {
            lock (Locks.GetOrAdd(System.IO.Path.GetFullPath(path), _ => new object()))
            {
                if (maxBytes is { } max && new FileInfo(path) is { Exists: true, Length: > 0 } current && current.Length + lines.Length > max)
                {
                    Rotate();
                }
                Append(lines);
            }
            result = DeliveryResult.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A missing directory or a full disk may clear up; a permission problem rarely does, but
            // retrying it costs little and an operator fixing it should not lose the event.
            result = new DeliveryResult.Retry($"cannot append to {path}: {e.Message}");
        }
        return ValueTask.FromResult<IReadOnlyList<DeliveryResult>>([.. messages.Select(_ => result)]);
    }

    /// <summary>
    /// Oldest first, so every step is one rename and a failure midway loses nothing: the lines
    /// are all still in some file, and the next delivery tries again.
    /// </summary>
    private void Rotate()
    {
        File.Delete($"{path}.{keep}");
        for (var i = keep - 1; i >= 1; i--)
        {
            if (File.Exists($"{path}.{i}"))
            {
                File.Move($"{path}.{i}", $"{path}.{i + 1}");
            }
        }
        File.Move(path, $"{path}.1");
    }

    private void Append(byte[] line)
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
    }
}
