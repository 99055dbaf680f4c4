using System.Buffers;
using System.Globalization;
using System.Text.Json;
using HookRelay.Outbox;

namespace HookRelay.Actions;

/// <summary>
/// A node action's ledger in the state directory (pinning.json, shaping.json): read and written
/// only under an exclusive lock beside it (flock: released by the kernel if the holder dies), and
/// replaced whole by a rename, so a crash leaves the old ledger or the new one, never half of one.
/// </summary>
public sealed class LedgerFile : IDisposable
{
    private readonly FileStream _lock;

    private LedgerFile(FileStream held, string path)
    {
        _lock = held;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Takes the lock (waiting up to <paramref name="wait"/>); <paramref name="what"/> names the ledger in the timeout message.</summary>
    public static LedgerFile Open(string stateDir, string fileName, TimeSpan wait, string what)
    {
        Directory.CreateDirectory(stateDir);
        var lockPath = System.IO.Path.Combine(stateDir, System.IO.Path.ChangeExtension(fileName, ".lock"));
        var held = FileLock.Acquire(lockPath, wait)
            ?? throw new TimeoutException($"the {what} ledger in {stateDir} stayed locked for {wait.TotalSeconds:0} s");
        return new LedgerFile(held, System.IO.Path.Combine(stateDir, fileName));
    }

    /// <summary>The ledger's bytes as they are now, lock or not (what a status command shows); null when there is none yet.</summary>
    public static byte[]? Peek(string stateDir, string fileName) =>
        File.Exists(System.IO.Path.Combine(stateDir, fileName)) ? File.ReadAllBytes(System.IO.Path.Combine(stateDir, fileName)) : null;

    public byte[]? Read() => File.Exists(Path) ? File.ReadAllBytes(Path) : null;

    public void Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }
        // Durable: a ledger says what was done to the node (pinned, shaped), which a crash must not forget.
        Posix.AtomicFile.Replace(Path, buffer.WrittenSpan, durable: true);
    }

    /// <summary>How ledgers write a time: UTC, to the second.</summary>
    public static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseStamp(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public void Dispose() => _lock.Dispose();
}
