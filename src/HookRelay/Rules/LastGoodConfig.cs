using System.IO.Hashing;

namespace HookRelay.Rules;

/// <summary>
/// The last configuration that loaded, kept beside the file as <c>.&lt;name&gt;.good-&lt;hash&gt;</c>.
/// A hook that finds the file broken (a typo while editing) runs with it instead of doing
/// nothing: gates stay enforced and events stay queued, while every run says loudly that the
/// file is broken. Written by whatever loads the file successfully (the hook, serve, config
/// check, install); remembering an already remembered file costs one stat.
/// </summary>
public static class LastGoodConfig
{
    private const string Marker = ".good-";

    /// <summary>A configuration read back from the last good copy, and when that copy was made.</summary>
    public sealed record Recalled(HookRelayConfig Config, string CopyPath, DateTime SavedUtc);

    public static void Remember(HookRelayConfig config)
    {
        try
        {
            var copy = CopyPrefix(config.SourcePath) + Convert.ToHexStringLower(XxHash64.Hash(config.Content));
            if (File.Exists(copy))
            {
                return;
            }
            var temporary = $"{copy}.tmp-{Environment.ProcessId}";
            // Owner-only: the file may hold an inline secret, and it is read only by root's hooks.
            using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                stream.Write(config.Content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, copy, overwrite: true);
            foreach (var older in Copies(config.SourcePath).Where(c => c != copy))
            {
                File.Delete(older);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a read-only /etc must not stop a hook that has a good configuration.
        }
    }

    /// <summary>The newest good copy of <paramref name="path"/> that still loads, or null.</summary>
    public static Recalled? Recall(string path)
    {
        foreach (var copy in Copies(path).OrderByDescending(File.GetLastWriteTimeUtc))
        {
            try
            {
                return new Recalled(ConfigLoader.Parse(File.ReadAllBytes(copy), path), copy, File.GetLastWriteTimeUtc(copy));
            }
            catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
            {
            }
        }
        return null;
    }

    private static string CopyPrefix(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + Marker);
    }

    private static IEnumerable<string> Copies(string path)
    {
        var prefix = CopyPrefix(path);
        var directory = Path.GetDirectoryName(prefix)!;
        try
        {
            return [.. Directory.EnumerateFiles(directory, Path.GetFileName(prefix) + "*").Where(c => !c.Contains(".tmp-", StringComparison.Ordinal))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
