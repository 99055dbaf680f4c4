using System.Buffers;
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
/// Defined as the hash of each variable's name, a 0 byte, its value and a 0 byte, in UTF-8 and
/// in key order.
/// </summary>
public static class OpKey
{
    public static string Compute(OrdinalDictionary ganetiVars)
    {
        if (ganetiVars.KnownOpKey is { } known)
        {
            return known;
        }
        using var hash = new Accumulator();
        foreach (var (key, value) in ganetiVars)
        {
            hash.Add(key);
            hash.Add(value);
        }
        return hash.Finish();
    }

    /// <summary>
    /// The opkey fed one name or value at a time, as text or as the UTF-8 bytes it was read as: the
    /// daemon hashes a stored record's variables while it reads them, instead of encoding 300
    /// strings to UTF-8 again afterwards (5 % of its instructions per delivery).
    /// </summary>
    public sealed class Accumulator : IDisposable
    {
        // The parts are gathered into one reused buffer and hashed a buffer at a time: the
        // daemon computes this for every event it renders, and 300 small appends cost 3 % of it.
        private const int BufferSize = 16384;
        private readonly XxHash128 _hash = new();
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        private int _used;

        /// <summary>A name or a value, and its 0 separator.</summary>
        public void Add(string text)
        {
            Reserve(Encoding.UTF8.GetMaxByteCount(text.Length) + 1);
            _used += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_used));
            _buffer[_used++] = 0;
        }

        /// <summary>A name or a value already in UTF-8, and its 0 separator.</summary>
        public void Add(ReadOnlySpan<byte> utf8)
        {
            Reserve(utf8.Length + 1);
            var free = _buffer.AsSpan(_used);
            utf8.CopyTo(free);
            free[utf8.Length] = 0;
            _used += utf8.Length + 1;
        }

        public string Finish()
        {
            _hash.Append(_buffer.AsSpan(0, _used));
            _used = 0;
            Span<byte> digest = stackalloc byte[16];
            _hash.GetCurrentHash(digest);
            return Convert.ToHexStringLower(digest);
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);

        /// <summary>Room for <paramref name="needed"/> more bytes. Small enough to be inlined into every add.</summary>
        private void Reserve(int needed)
        {
            if (_used + needed > _buffer.Length)
            {
                MakeRoom(needed);
            }
        }

        /// <summary>Hashes what is gathered, and gives the buffer room for <paramref name="needed"/> bytes.</summary>
        private void MakeRoom(int needed)
        {
            _hash.Append(_buffer.AsSpan(0, _used));
            _used = 0;
            if (needed > _buffer.Length)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(needed);
            }
        }
    }
}
