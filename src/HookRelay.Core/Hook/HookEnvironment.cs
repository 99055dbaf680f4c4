using System.Text;
using HookRelay.Events;
using HookRelay.Posix;

namespace HookRelay.Hook;

/// <summary>
/// The GANETI_* variables the hook was started with, read from /proc/self/environ: only those are
/// decoded, where Environment.GetEnvironmentVariables() decodes every variable into a Hashtable,
/// which measured half a millisecond of an idle hook run. Without /proc it asks .NET.
/// </summary>
internal static class HookEnvironment
{
    public static OrdinalDictionary GanetiVariables()
    {
        byte[] block;
        try
        {
            block = UnixFile.ReadAll("/proc/self/environ");
        }
        catch (IOException)
        {
            return HookEventParser.GanetiVariables(Environment.GetEnvironmentVariables());
        }
        var vars = new OrdinalDictionary.Builder(192);
        var prefix = "GANETI_"u8;
        foreach (var range in block.AsSpan().Split((byte)0))
        {
            var entry = block.AsSpan(range);
            var equals = entry.IndexOf((byte)'=');
            if (equals > 0 && entry.StartsWith(prefix))
            {
                // Decoded as .NET decodes the environment: UTF-8, invalid bytes as U+FFFD.
                vars.Add(Encoding.UTF8.GetString(entry[..equals]), Encoding.UTF8.GetString(entry[(equals + 1)..]));
            }
        }
        return vars.Build();
    }
}
