using System.IO.Hashing;
using HookRelay.Hook;
using HookRelay.Posix;

namespace HookRelay.Rules;

/// <summary>
/// The last configuration that loaded, kept beside the file as <c>.&lt;name&gt;.good</c> in its
/// compiled form (<see cref="ConfigSnapshot"/>). Hooks run from it: while the file is the one it
/// was compiled from (same identity, or else same bytes) nothing is parsed but the slice a run
/// needs, and a broken file (a typo while editing) runs with the last good one instead of doing
/// nothing: gates stay enforced and events stay queued, while every run says loudly that the file
/// is broken. Written by whatever loads the file successfully (the hook, serve, config check, install).
/// </summary>
public static class LastGoodConfig
{
    private const string Suffix = ".good";

    /// <summary>The last good copy as the hook uses it, and when it was made.</summary>
    public sealed record RecalledSnapshot(ConfigSnapshot Snapshot, string CopyPath, DateTime SavedUtc);

    /// <summary>
    /// The compiled configuration of the file as it is now: the saved one when it was compiled from
    /// this very file (identity, else bytes), or compiled and saved now. Throws
    /// <see cref="ConfigException"/> when the file cannot be read or does not load.
    /// </summary>
    public static ConfigSnapshot Current(string path)
    {
        // Taken before the file is read: a write after this moves it, and is seen next time.
        var identity = UnixFile.Identity(path);
        var saved = TryOpen(SnapshotPath(path), path);
        if (identity is { } known && saved is not null && saved.Describes(known))
        {
            return saved;
        }
        if (!ConfigText.IsRead && identity is { } now && ConfigFailure.Recall(path) is { } failure && failure.Describes(now))
        {
            // The hook, on a file hookrelay already found broken: no need to ask again.
            throw failure.Exception;
        }
        var bytes = ConfigLoader.Read(path);
        // Settled: a snapshot taken from now on would trust the identity (ConfigSnapshot.Describes).
        var settled = identity is { } changed && changed.ChangedNs < NowNs() - ConfigSnapshot.RacyNs;
        if (saved is { IsCurrent: true } && !settled && saved.SourceHash == XxHash64.HashToUInt64(bytes) && saved.Source.AsSpan().SequenceEqual(bytes))
        {
            // Same bytes, but its identity is too fresh to trust: compare again next run, until it settles.
            return saved;
        }
        if (!ConfigText.IsRead)
        {
            return ConfigCompiler.Ask(path, Binaries.Cli);
        }
        try
        {
            return Save(ConfigLoader.Parse(bytes, path), identity);
        }
        catch (ConfigException e)
        {
            new ConfigFailure(identity, NowNs(), e.Errors).Save(path);
            throw;
        }
    }

    /// <summary>
    /// Saves the compiled form of a configuration that loaded (by serve, config check, install),
    /// unless it is saved already, and returns it. Saving is best effort: a read-only /etc must not
    /// stop a hook that has a good configuration (it then compiles at every run).
    /// </summary>
    public static ConfigSnapshot Remember(HookRelayConfig config)
    {
        var identity = UnixFile.Identity(config.SourcePath);
        if (identity is { } known && TryOpen(SnapshotPath(config.SourcePath), config.SourcePath) is { } saved
            && saved.Describes(known) && saved.SourceHash == XxHash64.HashToUInt64(config.Content))
        {
            return saved;
        }
        // The identity belongs to these bytes only if the file still holds them after it was taken.
        var stillTheSame = identity is not null && ReadOrNull(config.SourcePath)?.AsSpan().SequenceEqual(config.Content) == true;
        return Save(config, stillTheSame ? identity : null);
    }

    /// <summary>The configuration in force: the file's, or while the file is broken (<see cref="FileError"/>) its last good copy.</summary>
    public sealed record InForce(HookRelayConfig Config, ConfigException? FileError, RecalledSnapshot? LastGood);

    /// <summary>
    /// What the hooks of this node run with, for whatever acts for them (the gate asker, the drainer)
    /// or reports on them (status). Throws the file's <see cref="ConfigException"/> when it is
    /// broken and no good copy was ever saved.
    /// </summary>
    public static InForce LoadOrRecall(string path)
    {
        try
        {
            var config = ConfigLoader.Load(path);
            Remember(config);
            return new InForce(config, null, null);
        }
        catch (ConfigException e) when (RecallSnapshot(path) is { } lastGood)
        {
            return new InForce(lastGood.Snapshot.Load(), e, lastGood);
        }
    }

    /// <summary>The newest good copy of <paramref name="path"/> that still reads and loads, or null.</summary>
    public static RecalledSnapshot? RecallSnapshot(string path)
    {
        foreach (var copy in Copies(path).OrderByDescending(File.GetLastWriteTimeUtc))
        {
            try
            {
                var snapshot = ConfigSnapshot.Open(copy, path);
                // A copy this build compiled loaded when it was saved; any other is only bytes, which must still load.
                _ = snapshot.IsCurrent ? snapshot.Source : snapshot.Load().Content;
                return new RecalledSnapshot(snapshot, copy, File.GetLastWriteTimeUtc(copy));
            }
            catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
            }
        }
        return null;
    }

    /// <summary>
    /// While the file is broken: the last good copy cut again by this build when an older one saved
    /// it (an upgrade), so that the hook, which cannot read YAML, can still run with it.
    /// </summary>
    public static void RecutLastGood(string path)
    {
        if (RecallSnapshot(path) is { Snapshot.IsCurrent: false } lastGood)
        {
            // No identity: the copy describes no file, the broken one least of all.
            Save(lastGood.Snapshot.Load(), identity: null, fileLoaded: false);
        }
    }

    /// <param name="fileLoaded">Whether <paramref name="config"/> is the file as it is (any failure kept for it is then over), not a copy re-cut.</param>
    private static ConfigSnapshot Save(HookRelayConfig config, FileIdentity? identity, bool fileLoaded = true)
    {
        var snapshot = ConfigSnapshot.Compile(config, identity, NowNs());
        var target = SnapshotPath(config.SourcePath);
        try
        {
            // Owner-only: the file may hold an inline secret, and it is read only by root's hooks.
            Posix.AtomicFile.Replace(target, snapshot.ToBytes(), durable: true, ownerOnly: true);
            foreach (var older in Copies(config.SourcePath).Where(c => c != target))
            {
                File.Delete(older);
            }
            if (fileLoaded)
            {
                ConfigFailure.Forget(config.SourcePath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return snapshot;
    }

    private static ConfigSnapshot? TryOpen(string snapshotPath, string path)
    {
        try
        {
            return ConfigSnapshot.Open(snapshotPath, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return null;
        }
    }

    private static byte[]? ReadOrNull(string path)
    {
        try
        {
            return UnixFile.ReadAll(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private static string SnapshotPath(string path) => Beside(path, Suffix);

    /// <summary>What HookRelay keeps of a configuration file beside it: hidden, the file's name and a suffix.</summary>
    internal static string Beside(string path, string suffix)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + suffix);
    }

    /// <summary>The saved copy, and any an older HookRelay left (.&lt;name&gt;.good-&lt;hash&gt;, the bytes alone).</summary>
    private static IEnumerable<string> Copies(string path)
    {
        var saved = SnapshotPath(path);
        try
        {
            return [.. Directory.EnumerateFiles(Path.GetDirectoryName(saved)!, Path.GetFileName(saved) + "*")
                .Where(c => c == saved || c.StartsWith(saved + "-", StringComparison.Ordinal))
                .Where(c => !c.Contains(".tmp-", StringComparison.Ordinal))];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
