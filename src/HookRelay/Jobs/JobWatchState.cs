using System.Globalization;
using System.Text.Json;

namespace HookRelay.Jobs;

/// <summary>
/// What the job watcher has reported, kept in state_dir/job-queue.json so a restarted daemon goes
/// on where it stopped: for each job still of interest, how many of its steps were reported
/// (<see cref="JobStep.Of"/>), and the highest job id seen (the ones after it that Ganeti
/// archived while the daemon was down are read from the archive). Written whole to a temporary
/// file and renamed over the old one: a crash leaves the old or the new, never half.
/// </summary>
public sealed class JobWatchState
{
    public const string FileName = "job-queue.json";

    public Dictionary<long, int> Reported { get; } = [];

    public long Highest { get; set; }

    /// <summary>
    /// Whether this node was the master when the state was saved: a node that finds itself master
    /// and was not takes over (<see cref="JobQueueWatcher"/>), one that was and is no longer hands
    /// over. A file from before this was kept was written on the master.
    /// </summary>
    public bool Master { get; set; } = true;

    /// <summary>
    /// Since when this node reports (its first run, or when it became master): a step of a job it
    /// had not seen before that happened earlier was not its to report.
    /// </summary>
    public DateTimeOffset Since { get; set; } = DateTimeOffset.MinValue;

    /// <summary>
    /// The saved state, or null when there is none. A file that cannot be read as one (a disk
    /// fault; it is only ever replaced whole) is moved aside to job-queue.json.damaged and said in
    /// <paramref name="problem"/>: the watcher then starts afresh rather than stop for good.
    /// </summary>
    public static JobWatchState? Load(string stateDir, out string? problem)
    {
        problem = null;
        var path = Path.Combine(stateDir, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (NotAState(e))
        {
            File.Move(path, path + ".damaged", overwrite: true);
            problem = $"{path} unreadable ({e.Message}); moved to {FileName}.damaged, starting afresh";
            return null;
        }
    }

    /// <summary>The saved state as it is, for `hookrelay status`: null when there is none or it cannot be read (left where it is).</summary>
    public static JobWatchState? Peek(string stateDir)
    {
        try
        {
            var path = Path.Combine(stateDir, FileName);
            return File.Exists(path) ? Parse(File.ReadAllBytes(path)) : null;
        }
        catch (Exception e) when (NotAState(e) || e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>What reading bytes that are not a saved state throws.</summary>
    private static bool NotAState(Exception e) =>
        e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException;

    private static JobWatchState Parse(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var state = new JobWatchState
        {
            Highest = root.GetProperty("highest").GetInt64(),
            Master = !root.TryGetProperty("master", out var master) || master.GetBoolean(),
            Since = root.TryGetProperty("since_ticks", out var since) ? new DateTimeOffset(since.GetInt64(), TimeSpan.Zero) : DateTimeOffset.MinValue,
        };
        foreach (var job in root.GetProperty("reported").EnumerateObject())
        {
            state.Reported[long.Parse(job.Name, NumberStyles.None, CultureInfo.InvariantCulture)] = job.Value.GetInt32();
        }
        return state;
    }

    public void Save(string stateDir)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("highest", Highest);
            writer.WriteBoolean("master", Master);
            writer.WriteNumber("since_ticks", Since.UtcTicks);
            writer.WriteStartObject("reported");
            foreach (var (id, steps) in Reported.OrderBy(r => r.Key))
            {
                writer.WriteNumber(id.ToString(CultureInfo.InvariantCulture), steps);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        Posix.AtomicFile.Replace(Path.Combine(stateDir, FileName), buffer.WrittenSpan, durable: true);
    }

}
