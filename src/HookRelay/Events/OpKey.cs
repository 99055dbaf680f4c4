using System.Security.Cryptography;
using System.Text;

namespace HookRelay.Events;

/// <summary>
/// A stable hash of the environment Ganeti computed for one hook run. Ganeti computes it once
/// on the master and hands the same one to every node, so every node's copy of one operation
/// has the same opkey and receivers can drop the duplicates. Two identical operations (say two
/// reboots of one instance with the same options) also share it: dedupe within a time window.
/// </summary>
public static class OpKey
{
    public static string Compute(SortedDictionary<string, string> ganetiVars)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> separator = [0];
        foreach (var (key, value) in ganetiVars)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(key));
            hash.AppendData(separator);
            hash.AppendData(Encoding.UTF8.GetBytes(value));
            hash.AppendData(separator);
        }
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest[..16]);
    }
}
