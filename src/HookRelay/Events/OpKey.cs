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
    public static string Compute(SortedDictionary<string, string> ganetiVars)
    {
        var hash = new XxHash128();
        Span<byte> separator = [0];
        foreach (var (key, value) in ganetiVars)
        {
            hash.Append(Encoding.UTF8.GetBytes(key));
            hash.Append(separator);
            hash.Append(Encoding.UTF8.GetBytes(value));
            hash.Append(separator);
        }
        Span<byte> digest = stackalloc byte[16];
        hash.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest);
    }
}
