using System.IO.Hashing;
using System.Text;
using HookRelay.Events;
using HookRelay.Posix;

namespace HookRelay.Rules;

/// <summary>
/// A configuration that loaded, compiled for the hook: the file cut into one slice per hooks path
/// and phase (<see cref="ConfigSlicer"/>), the few settings a run with nothing to do needs, the
/// identity of the file it was read from, and the file's bytes (the last good copy). A hook reads
/// only the small header, and the one slice its run needs, never the whole file (both in one read
/// while the snapshot is under 64 KiB): its cost does not grow with the configuration. Slices are trusted only from the build that cut them: another
/// build (an upgrade) cuts again, and still recalls the bytes as the last good copy.
/// </summary>
/// <remarks>
/// Layout: a 4-byte header length, the header (ending in its own checksum), then every slice and
/// the file's bytes, each checked against the hash the header gives for it when read.
/// </remarks>
public sealed class ConfigSnapshot
{
    private const string Magic = "hookrelay configuration snapshot";
    // Bump when what a slice holds changes, so a snapshot cut by other rules is cut again.
    private const int FormatVersion = 3;
    private const int Checksum = sizeof(ulong);
    private const int FirstRead = 64 * 1024;

    /// <summary>
    /// A file changed less than this before its identity was taken may change again without its
    /// times moving (they come from a coarse clock): such an identity proves nothing, and the
    /// content is compared instead (git's "racily clean" files).
    /// </summary>
    public const long RacyNs = 1_000_000_000;

    private readonly Func<long, int, byte[]> _body;
    private readonly Part _source;
    private readonly Compiled? _compiled;

    private ConfigSnapshot(string sourcePath, Part source, Func<long, int, byte[]> body, Compiled? compiled)
    {
        SourcePath = sourcePath;
        _source = source;
        _body = body;
        _compiled = compiled;
    }

    /// <summary>Where a slice or the file's bytes lie in the body, and their hash.</summary>
    private readonly record struct Part(long Offset, int Length, ulong Hash);

    /// <summary>What this build compiled: identity of the file, the idle run's settings, the slices and which run uses which.</summary>
    private sealed record Compiled(FileIdentity? Identity, long TakenNs, string StateDir, string? NodeName, bool Journal,
        IReadOnlyList<Part> Slices, IReadOnlyDictionary<string, int> Index);

    /// <summary>The configuration a hook run uses: <see cref="Config"/> is null when nothing can apply to the run.</summary>
    public sealed record Run(HookRelayConfig? Config, string StateDir, string? NodeName, bool Journal);

    /// <summary>The configuration file this was compiled from.</summary>
    public string SourcePath { get; }

    /// <summary>XxHash64 of the file's bytes.</summary>
    public ulong SourceHash => _source.Hash;

    /// <summary>Whether this build cut the slices (false for another build's or an older HookRelay's copy).</summary>
    public bool IsCurrent => _compiled is not null;

    private static string Build => $"{FormatVersion} {BuildIdentity.Value}";

    /// <summary>The file's bytes as they loaded.</summary>
    public byte[] Source => Checked(_source, "the configuration's bytes");

    /// <summary>
    /// Whether the file now at the path is, for certain, the one compiled: same file, same size, same
    /// times, and changed long enough before the identity was taken that a later write moved them.
    /// </summary>
    public bool Describes(FileIdentity identity) => _compiled is { } compiled && Proves(compiled.Identity, compiled.TakenNs, identity);

    /// <summary>
    /// Whether an identity of the file recorded at <paramref name="takenNs"/> proves that the file
    /// now at the path (<paramref name="now"/>) is the one read then: the same, and changed long
    /// enough before it was taken that a later write would have moved its times.
    /// </summary>
    public static bool Proves(FileIdentity? recorded, long takenNs, FileIdentity now) =>
        recorded == now && now.ChangedNs < takenNs - RacyNs;

    /// <param name="identity">The file's identity taken before <paramref name="config"/> was read from it, or null if unknown.</param>
    public static ConfigSnapshot Compile(HookRelayConfig config, FileIdentity? identity, long takenNs)
    {
        var slices = ConfigSlicer.Cut(config);
        var body = new MemoryStream();
        var parts = new List<Part>();
        foreach (var document in slices.Documents.Append(config.Content))
        {
            parts.Add(new Part(body.Length, document.Length, XxHash64.HashToUInt64(document)));
            body.Write(document);
        }
        var bytes = body.ToArray();
        return new ConfigSnapshot(config.SourcePath, parts[^1], (offset, length) => bytes.AsSpan((int)offset, length).ToArray(),
            new Compiled(identity, takenNs, config.StateDir, config.NodeName, config.Hook.Journal, parts[..^1], slices.Index));
    }

    /// <summary>The whole configuration; throws <see cref="ConfigException"/> as the file would.</summary>
    public HookRelayConfig Load() => ConfigLoader.Parse(Source, SourcePath);

    /// <summary>
    /// What a run of this hooks path and phase loads: nothing when no route, gate or action can
    /// apply to it; else its slice, or the whole file's for a path or hooks version the catalog
    /// does not know (any rule may match it), or the file itself when the slices are not this build's.
    /// </summary>
    public Run For(string hook, string phase, string hooksVersion)
    {
        if (_compiled is null)
        {
            return Loaded(Load());
        }
        var key = hooksVersion == HooksCatalog.SupportedHooksVersion && HooksCatalog.Find(hook) is not null
            ? ConfigSlicer.Key(hook, phase)
            : ConfigSlicer.Whole;
        if (!_compiled.Index.TryGetValue(key, out var number))
        {
            return new Run(null, _compiled.StateDir, _compiled.NodeName, _compiled.Journal);
        }
        return Loaded(ConfigLoader.BindSlice(SliceTree.Read(Checked(_compiled.Slices[number], $"slice {number}")), SourcePath) with { ContentFrom = () => Source });
    }

    private static Run Loaded(HookRelayConfig config) => new(config, config.StateDir, config.NodeName, config.Hook.Journal);

    private byte[] Checked(Part part, string what)
    {
        var bytes = _body(part.Offset, part.Length);
        return bytes.Length == part.Length && XxHash64.HashToUInt64(bytes) == part.Hash
            ? bytes
            : throw new InvalidDataException($"the snapshot's {what} is damaged");
    }

    public byte[] ToBytes()
    {
        var compiled = _compiled ?? throw new InvalidOperationException("only a snapshot this build compiled is written");
        using var header = new MemoryStream();
        using (var writer = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Build);
            FileIdentityBinary.Write(writer, compiled.Identity);
            writer.Write(compiled.TakenNs);
            writer.Write(compiled.StateDir);
            writer.Write(compiled.NodeName ?? "");
            writer.Write(compiled.Journal);
            writer.Write(compiled.Slices.Count);
            foreach (var part in compiled.Slices.Append(_source))
            {
                writer.Write(part.Length);
                writer.Write(part.Hash);
            }
            writer.Write(compiled.Index.Count);
            foreach (var (key, number) in compiled.Index)
            {
                writer.Write(key);
                writer.Write(number);
            }
        }
        // A torn or damaged header must read as damaged, never as a different configuration.
        header.Write(XxHash64.Hash(header.GetBuffer().AsSpan(0, (int)header.Length)));
        var body = _body(0, (int)(_source.Offset + _source.Length));
        var file = new byte[sizeof(int) + header.Length + body.Length];
        BitConverter.TryWriteBytes(file, (int)header.Length);
        header.GetBuffer().AsSpan(0, (int)header.Length).CopyTo(file.AsSpan(sizeof(int)));
        body.CopyTo(file.AsSpan(sizeof(int) + (int)header.Length));
        return file;
    }

    /// <summary>
    /// Reads a snapshot's header; its slices and bytes are read when used. A file without the header
    /// is an older HookRelay's last good copy: the configuration's bytes alone. Throws
    /// <see cref="IOException"/> or <see cref="InvalidDataException"/> when it cannot be read or is damaged.
    /// </summary>
    public static ConfigSnapshot Open(string snapshotPath, string sourcePath) =>
        Read(UnixFile.ReadRange(snapshotPath, 0, FirstRead), sourcePath, snapshotPath);

    /// <summary>A snapshot's whole bytes, as <see cref="ToBytes"/> wrote them (hookrelay compiling one for the hook).</summary>
    public static ConfigSnapshot FromBytes(byte[] bytes, string sourcePath) => Read(bytes, sourcePath, null);

    /// <param name="start">The snapshot's first bytes: all of them when <paramref name="snapshotPath"/> is null, else at most <see cref="FirstRead"/>.</param>
    private static ConfigSnapshot Read(byte[] start, string sourcePath, string? snapshotPath)
    {
        if (!HasHeader(start))
        {
            if (snapshotPath is null)
            {
                // Only a file an older HookRelay saved may be bare; bytes handed over are this build's.
                throw new InvalidDataException("the bytes are not a configuration snapshot");
            }
            var all = start.Length < FirstRead ? start : UnixFile.ReadAll(snapshotPath);
            return new ConfigSnapshot(sourcePath, new Part(0, all.Length, XxHash64.HashToUInt64(all)),
                (offset, length) => all.AsSpan((int)offset, length).ToArray(), null);
        }
        var headerLength = BitConverter.ToInt32(start);
        if (headerLength < Checksum || headerLength > 64 * 1024 * 1024)
        {
            throw new InvalidDataException("the snapshot's header length is not plausible");
        }
        // Past the first read, from the file; bytes given whole have nothing past them (a short part reads as damaged).
        byte[] Beyond(long offset, int length) => snapshotPath is null ? [] : UnixFile.ReadRange(snapshotPath, offset, length);
        var header = sizeof(int) + headerLength <= start.Length
            ? start.AsSpan(sizeof(int), headerLength).ToArray()
            : Beyond(sizeof(int), headerLength);
        if (header.Length != headerLength
            || !XxHash64.Hash(header.AsSpan(0, headerLength - Checksum)).AsSpan().SequenceEqual(header.AsSpan(headerLength - Checksum)))
        {
            throw new InvalidDataException("the snapshot's header is damaged");
        }
        var bodyStart = sizeof(int) + (long)headerLength;
        // Most snapshots are whole in the first read: a run's slice then costs no second open, and
        // comes from the very file the header did, even if the snapshot is replaced meanwhile.
        Func<long, int, byte[]> body = (offset, length) => bodyStart + offset + length <= start.Length
            ? start.AsSpan((int)(bodyStart + offset), length).ToArray()
            : Beyond(bodyStart + offset, length);
        using var reader = new BinaryReader(new MemoryStream(header, 0, headerLength - Checksum), Encoding.UTF8);
        reader.ReadString();
        var current = reader.ReadString() == Build;
        var identity = FileIdentityBinary.Read(reader);
        var takenNs = reader.ReadInt64();
        var stateDir = reader.ReadString();
        var nodeName = reader.ReadString();
        var journal = reader.ReadBoolean();
        var parts = new Part[reader.ReadInt32() + 1];
        var offset = 0L;
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = new Part(offset, reader.ReadInt32(), reader.ReadUInt64());
            offset += parts[i].Length;
        }
        if (!current)
        {
            return new ConfigSnapshot(sourcePath, parts[^1], body, null);
        }
        var count = reader.ReadInt32();
        var index = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            index[reader.ReadString()] = reader.ReadInt32();
        }
        return new ConfigSnapshot(sourcePath, parts[^1], body, new Compiled(identity, takenNs, stateDir,
            nodeName.Length == 0 ? null : nodeName, journal, parts[..^1], index));
    }

    private static bool HasHeader(byte[] start) =>
        start.Length > sizeof(int) + 1 + Magic.Length && start[sizeof(int)] == Magic.Length
        && start.AsSpan(sizeof(int) + 1, Magic.Length).SequenceEqual(Encoding.ASCII.GetBytes(Magic));
}
