using System.Text.Json;
using HookRelay.Posix;

namespace HookRelay.Web;

/// <summary>
/// Reads the lines appended to one of HookRelay's JSON-lines journals (hook runs, action runs)
/// since the last look, across its move to name.1 at 1 MB (<see cref="Hook.JsonLines"/>): what
/// /metrics counts. Hooks are other processes; the journal is how the daemon hears of every run,
/// including the many that queued nothing. Only whole lines are taken; a line being written is
/// read next time.
/// </summary>
public sealed class JournalFollower(string path)
{
    // A journal moves aside at 1 MB: more than that is never waiting.
    private const int MaxRead = 2 << 20;

    private FileIdentity? _following;
    private long _offset;

    /// <summary>Starts at the end: counts are since the daemon started, like its delivery counts.</summary>
    public void SkipToEnd()
    {
        _following = UnixFile.Identity(path);
        _offset = _following?.Size ?? 0;
    }

    public List<JsonElement> ReadAppended()
    {
        var lines = new List<JsonElement>();
        var current = UnixFile.Identity(path);
        if (_following is { } followed && current?.Inode != followed.Inode)
        {
            // Moved aside since: its rest is in name.1 now, if that is still the same file.
            if (UnixFile.Identity(path + ".1") is { } moved && moved.Inode == followed.Inode)
            {
                Read(path + ".1", _offset, moved.Size, lines);
            }
            _offset = 0;
        }
        _following = current;
        if (current is { } file)
        {
            if (file.Size < _offset)
            {
                _offset = 0;
            }
            _offset += Read(path, _offset, file.Size, lines);
        }
        return lines;
    }

    /// <summary>The whole lines between <paramref name="from"/> and <paramref name="to"/>; returns how many bytes they took.</summary>
    private static long Read(string file, long from, long to, List<JsonElement> into)
    {
        if (to <= from)
        {
            return 0;
        }
        byte[] bytes;
        try
        {
            bytes = UnixFile.ReadRange(file, from, (int)Math.Min(to - from, MaxRead));
        }
        catch (IOException)
        {
            return 0;
        }
        var whole = bytes.AsSpan(0, bytes.AsSpan().LastIndexOf((byte)'\n') + 1);
        foreach (var range in whole.Split((byte)'\n'))
        {
            var line = whole[range];
            if (line.IsEmpty)
            {
                continue;
            }
            try
            {
                using var document = JsonDocument.Parse(line.ToArray());
                into.Add(document.RootElement.Clone());
            }
            catch (JsonException)
            {
                // A damaged line is skipped, as `status` skips it.
            }
        }
        return whole.Length;
    }
}
