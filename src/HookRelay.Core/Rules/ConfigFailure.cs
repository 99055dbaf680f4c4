using System.Text;
using HookRelay.Posix;

namespace HookRelay.Rules;

/// <summary>
/// Why the configuration file, as it is now, does not load: its errors and the identity of the
/// file they were found in, kept beside it as <c>.&lt;name&gt;.broken</c> by whatever read it. The
/// hook cannot read YAML (<see cref="ConfigText"/>): while the file stays broken, every run finds
/// here that it is, and runs with the last good configuration, without asking hookrelay again.
/// </summary>
public sealed record ConfigFailure(FileIdentity? Identity, long TakenNs, IReadOnlyList<ConfigError> Errors)
{
    private const string Magic = "hookrelay configuration failure 1";

    /// <summary>The file's errors as the exception a loader throws.</summary>
    public ConfigException Exception => new(Errors);

    /// <summary>Whether these errors are, for certain, those of the file now at the path (as <see cref="ConfigSnapshot.Describes"/>).</summary>
    public bool Describes(FileIdentity identity) => ConfigSnapshot.Proves(Identity, TakenNs, identity);

    private static string PathBeside(string configPath) => LastGoodConfig.Beside(configPath, ".broken");

    /// <summary>Keeps the failure beside the file, best effort: a read-only /etc only costs the hook a compile at each run.</summary>
    public void Save(string configPath)
    {
        try
        {
            // Owner-only: a message may quote the file, which may hold an inline secret.
            AtomicFile.Replace(PathBeside(configPath), ToBytes(), ownerOnly: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Forgets a failure once the file loads again.</summary>
    public static void Forget(string configPath)
    {
        try
        {
            File.Delete(PathBeside(configPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The failure kept beside the file, or null when there is none or it cannot be read.</summary>
    public static ConfigFailure? Recall(string configPath)
    {
        try
        {
            return FromBytes(UnixFile.ReadAll(PathBeside(configPath)), configPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public byte[] ToBytes()
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            FileIdentityBinary.Write(writer, Identity);
            writer.Write(TakenNs);
            writer.Write(Errors.Count);
            foreach (var error in Errors)
            {
                writer.Write(error.Line);
                writer.Write(error.Column);
                writer.Write(error.Message);
                writer.Write(error.IsWarning);
            }
        }
        return bytes.ToArray();
    }

    /// <summary>A failure written by <see cref="ToBytes"/>, its errors named after <paramref name="configPath"/>; null when the bytes are not one.</summary>
    public static ConfigFailure? FromBytes(byte[] bytes, string configPath)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            if (reader.ReadString() != Magic)
            {
                return null;
            }
            var identity = FileIdentityBinary.Read(reader);
            var takenNs = reader.ReadInt64();
            var count = reader.ReadInt32();
            if (count < 0 || count > bytes.Length)
            {
                return null;
            }
            var errors = new ConfigError[count];
            for (var i = 0; i < errors.Length; i++)
            {
                errors[i] = new ConfigError(configPath, reader.ReadInt64(), reader.ReadInt64(), reader.ReadString(), reader.ReadBoolean());
            }
            return reader.BaseStream.Position == bytes.Length ? new ConfigFailure(identity, takenNs, errors) : null;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException or ArgumentException)
        {
            // Torn or foreign: as if there were none, and the file is read again.
            return null;
        }
    }
}
