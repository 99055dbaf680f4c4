using System.IO.Hashing;
using System.Text;

namespace HookRelay.Events;

/// <summary>
/// A stable hash of the environment Ganeti computed for one hook run. Ganeti computes it once
/// on the master and hands the same one to every node, so every node's copy of one operation
/// has the same opkey and receivers can drop the duplicates. Two identical operations (say two
/// reboots of one instance with the same options) also share it: dedupe within a time window.
/// XxHash128 rather than SHA-256: it is a de-duplication key, not a security boundary, and
/// SHA-256 here means loading OpenSSL, which costs the hook about 2 ms.
/// </summary>
public static class OpKey
{
    public static string Compute(OrdinalDictionary ganetiVars)
    {
        var hash = new XxHash128();
        // The variables are gathered into one reused buffer and hashed a buffer at a time: the
        // daemon computes this for every event it renders, and 300 small appends cost 3 % of it.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        var used = 0;
        try
        {
            foreach (var (key, value) in ganetiVars)
            {
                Append(hash, key, ref buffer, ref used);
                Append(hash, value, ref buffer, ref used);
            }
            hash.Append(buffer.AsSpan(0, used));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        Span<byte> digest = stackalloc byte[16];
        hash.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest);
    }

    private const int BufferSize = 16384;

    /// <summary>The text's UTF-8 bytes and a 0 separator, after what the buffer holds; a full buffer is hashed first.</summary>
    private static void Append(XxHash128 hash, string text, ref byte[] buffer, ref int used)
    {
        var needed = Encoding.UTF8.GetMaxByteCount(text.Length) + 1;
        if (used + needed > buffer.Length)
        {
            hash.Append(buffer.AsSpan(0, used));
            used = 0;
            if (needed > buffer.Length)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(needed);
            }
        }
        used += Encoding.UTF8.GetBytes(text, buffer.AsSpan(used));
        buffer[used++] = 0;
    }
}
