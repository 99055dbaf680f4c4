using HookRelay.Posix;

namespace HookRelay.Rules;

/// <summary>A file's identity, or its absence, as the compiled snapshot and the kept failure both record it.</summary>
internal static class FileIdentityBinary
{
    public static void Write(BinaryWriter writer, FileIdentity? identity)
    {
        writer.Write(identity is not null);
        var known = identity.GetValueOrDefault();
        writer.Write(known.Device);
        writer.Write(known.Inode);
        writer.Write(known.Size);
        writer.Write(known.ModifiedNs);
        writer.Write(known.ChangedNs);
    }

    public static FileIdentity? Read(BinaryReader reader)
    {
        var known = reader.ReadBoolean();
        var identity = new FileIdentity(reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
        return known ? identity : null;
    }
}
