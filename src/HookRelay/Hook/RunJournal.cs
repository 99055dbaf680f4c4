using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace HookRelay.Hook;

/// <summary>
/// One JSON line per hook run in state_dir/hook-runs.jsonl: when, which hooks path and phase, on
/// which node, what it did (queued for which sinks, denied by which gate, nothing) and how long
/// HookRelay took inside the Ganeti job. It answers "did the hook run here, and what did it do?"
/// without syslog, and is what the demo's timeline reads. Appended with O_APPEND in one write(),
/// so hooks running at once on a node never interleave; at 1 MB it moves to hook-runs.jsonl.1.
/// Best effort: a journal that cannot be written never fails a hook.
/// </summary>
public static partial class RunJournal
{
    public const string FileName = "hook-runs.jsonl";
    private const long MaxBytes = 1 << 20;
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Append = 0x400;
    private const int CloseOnExec = 0x80000;

    public sealed record Entry(DateTimeOffset Time, string Hook, string Phase, string Node, string? Target, int Exit, double Milliseconds, string Outcome);

    public static void Write(string stateDir, Entry entry)
    {
        try
        {
            Directory.CreateDirectory(stateDir);
            var path = Path.Combine(stateDir, FileName);
            if (new FileInfo(path) is { Exists: true, Length: > MaxBytes })
            {
                File.Move(path, path + ".1", overwrite: true);
            }
            AppendLine(path, Line(entry));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The last <paramref name="count"/> runs recorded on this node, oldest first; unreadable lines are skipped.</summary>
    public static IReadOnlyList<JsonElement> Recent(string stateDir, int count)
    {
        var path = Path.Combine(stateDir, FileName);
        try
        {
            var recent = new List<JsonElement>();
            foreach (var line in File.ReadLines(path).TakeLast(count))
            {
                try
                {
                    using var document = JsonDocument.Parse(line);
                    recent.Add(document.RootElement.Clone());
                }
                catch (JsonException)
                {
                }
            }
            return recent;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static byte[] Line(Entry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("time", entry.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("hook", entry.Hook);
            writer.WriteString("phase", entry.Phase);
            writer.WriteString("node", entry.Node);
            if (entry.Target is not null)
            {
                writer.WriteString("target", entry.Target);
            }
            writer.WriteNumber("exit", entry.Exit);
            writer.WriteNumber("ms", Math.Round(entry.Milliseconds, 2));
            writer.WriteString("outcome", entry.Outcome);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>.NET's FileMode.Append writes at an offset it tracks; only O_APPEND keeps concurrent lines whole.</summary>
    private static void AppendLine(string path, byte[] line)
    {
        var fd = open(path, WriteOnly | Create | Append | CloseOnExec, Convert.ToInt32("640", 8));
        if (fd < 0)
        {
            throw new IOException($"cannot open {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        try
        {
            _ = write(fd, line, line.Length);
        }
        finally
        {
            _ = close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte[] buffer, nint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
