using System.Buffers;
using System.Globalization;
using System.Text.Json;
using HookRelay.Outbox;

namespace HookRelay.Actions.Pinning;

/// <summary>
/// Which instance holds which CPUs on this node: state_dir/pinning.json, read and written only
/// under an exclusive lock (pinning.lock, flock: released by the kernel if the holder dies), so
/// two actions, or an action and `hookrelay pin reconcile`, never hand out one core twice.
/// </summary>
public sealed class PinLedger : IDisposable
{
    public const string FileName = "pinning.json";
    private readonly FileStream _lock;
    private readonly string _path;

    private PinLedger(FileStream held, string path, Dictionary<string, PinnedInstance> instances)
    {
        _lock = held;
        _path = path;
        Instances = instances;
    }

    public Dictionary<string, PinnedInstance> Instances { get; }

    /// <summary>Takes the lock (waiting up to <paramref name="wait"/>) and reads the ledger.</summary>
    public static PinLedger Open(string stateDir, TimeSpan wait)
    {
        Directory.CreateDirectory(stateDir);
        var held = FileLock.Acquire(Path.Combine(stateDir, "pinning.lock"), wait)
            ?? throw new TimeoutException($"the pinning ledger in {stateDir} stayed locked for {wait.TotalSeconds:0} s");
        var path = Path.Combine(stateDir, FileName);
        try
        {
            return new PinLedger(held, path, File.Exists(path) ? Read(File.ReadAllBytes(path)) : new(StringComparer.Ordinal));
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>The ledger as it is now, without keeping the lock: what `pin status` shows.</summary>
    public static Dictionary<string, PinnedInstance> Peek(string stateDir)
    {
        var path = Path.Combine(stateDir, FileName);
        return File.Exists(path) ? Read(File.ReadAllBytes(path)) : new(StringComparer.Ordinal);
    }

    public void Save()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var pinned in Instances.Values.OrderBy(p => p.Instance, StringComparer.Ordinal))
            {
                writer.WriteStartObject(pinned.Instance);
                writer.WriteString("mode", pinned.Mode);
                writer.WriteNumber("numa_node", pinned.Node);
                writer.WriteNumber("vcpus", pinned.Vcpus);
                writer.WriteString("cpus", CpuList.Format(pinned.Cpus));
                writer.WriteString("since", pinned.Since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                WriteThreads(writer, pinned.Threads);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        var temporary = $"{_path}.tmp-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
        File.WriteAllBytes(temporary, buffer.WrittenSpan.ToArray());
        File.Move(temporary, _path, overwrite: true);
    }

    /// <summary>The threads of an entry as the ledger and `pin status --json` write them; <paramref name="check"/> adds what status found.</summary>
    public static void WriteThreads(Utf8JsonWriter writer, IReadOnlyList<PinnedThread> threads, Func<PinnedThread, string>? check = null)
    {
        writer.WriteStartArray("threads");
        foreach (var thread in threads)
        {
            writer.WriteStartObject();
            writer.WriteNumber("vcpu", thread.Vcpu);
            writer.WriteNumber("thread_id", thread.ThreadId);
            writer.WriteString("cpus", CpuList.Format(thread.Cpus));
            if (check is not null)
            {
                writer.WriteString("check", check(thread));
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static Dictionary<string, PinnedInstance> Read(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var instances = new Dictionary<string, PinnedInstance>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            var e = entry.Value;
            instances[entry.Name] = new PinnedInstance(entry.Name, e.GetProperty("mode").GetString()!, e.GetProperty("numa_node").GetInt32(),
                e.GetProperty("vcpus").GetInt32(), [.. CpuList.Parse(e.GetProperty("cpus").GetString()!)],
                [.. e.GetProperty("threads").EnumerateArray().Select(t => new PinnedThread(t.GetProperty("vcpu").GetInt32(), t.GetProperty("thread_id").GetInt32(),
                    [.. CpuList.Parse(t.GetProperty("cpus").GetString()!)]))],
                DateTimeOffset.Parse(e.GetProperty("since").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
        }
        return instances;
    }

    public void Dispose() => _lock.Dispose();
}
