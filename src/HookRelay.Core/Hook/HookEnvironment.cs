using System.Runtime.InteropServices;
using System.Text;
using HookRelay.Events;
using HookRelay.Posix;

namespace HookRelay.Hook;

/// <summary>
/// The GANETI_* variables the hook was started with. Most runs have nothing to do (no route, gate
/// or action for their path and phase): they look up only the few variables that say so and name
/// the run's target (<see cref="HookEventParser.RunVariables"/>, <see cref="HookEventParser.IdleRunVariables"/>),
/// not the 150 of a typical instance operation. A run with something to do decodes them all, from
/// /proc/self/environ: only the GANETI_* ones, where Environment.GetEnvironmentVariables() decodes
/// every variable into a Hashtable, which measured half a millisecond of a hook run.
/// </summary>
internal static partial class HookEnvironment
{
    /// <summary>
    /// Only the named variables (those of them the run was given), through the C library's getenv:
    /// no pass over the whole environment.
    /// </summary>
    public static OrdinalDictionary Only(IReadOnlyList<string> names)
    {
        var vars = new OrdinalDictionary.Builder(names.Count);
        foreach (var name in names)
        {
            // Decoded as .NET decodes the environment: UTF-8, invalid bytes as U+FFFD.
            if (getenv(name) is var value and not 0)
            {
                vars.Add(name, Marshal.PtrToStringUTF8(value)!);
            }
        }
        return vars.Build();
    }

    /// <summary>Every GANETI_* variable.</summary>
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

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);
}
