using System.Text.Json;

namespace HookRelay.Actions.Pinning;

/// <summary>
/// Which instance holds which CPUs on this node: state_dir/pinning.json, read and written only
/// under an exclusive lock (pinning.lock, <see cref="LedgerFile"/>), so
/// two actions, or an action and `hookrelay pin reconcile`, never hand out one core twice.
/// </summary>
public sealed class PinLedger : IDisposable
{
    public const string FileName = "pinning.json";
    private readonly LedgerFile _file;

    private PinLedger(LedgerFile file, Dictionary<string, PinnedInstance> instances)
    {
        _file = file;
        Instances = instances;
    }

    public Dictionary<string, PinnedInstance> Instances { get; }

    /// <summary>Takes the lock (waiting up to <paramref name="wait"/>) and reads the ledger.</summary>
    public static PinLedger Open(string stateDir, TimeSpan wait)
    {
        var file = LedgerFile.Open(stateDir, FileName, wait, "pinning");
        try
        {
            return new PinLedger(file, file.Read() is { } bytes ? Read(bytes) : new(StringComparer.Ordinal));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The ledger as it is now, without keeping the lock: what `pin status` shows.</summary>
    public static Dictionary<string, PinnedInstance> Peek(string stateDir) =>
        LedgerFile.Peek(stateDir, FileName) is { } bytes ? Read(bytes) : new(StringComparer.Ordinal);

    public void Save() => _file.Write(writer =>
    {
        writer.WriteStartObject();
        foreach (var pinned in Instances.Values.OrderBy(p => p.Instance, StringComparer.Ordinal))
        {
            writer.WriteStartObject(pinned.Instance);
            writer.WriteString("mode", pinned.Mode);
            writer.WriteNumber("numa_node", pinned.Node);
            writer.WriteNumber("vcpus", pinned.Vcpus);
            writer.WriteString("cpus", CpuList.Format(pinned.Cpus));
            writer.WriteString("since", LedgerFile.Stamp(pinned.Since));
            WriteThreads(writer, pinned.Threads);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    });

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
                LedgerFile.ParseStamp(e.GetProperty("since").GetString()!));
        }
        return instances;
    }

    public void Dispose() => _file.Dispose();
}
