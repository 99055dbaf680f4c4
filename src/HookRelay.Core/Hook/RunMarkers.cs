using System.Globalization;
using System.IO.Hashing;
using System.Text;
using HookRelay.Events;
using HookRelay.Posix;

namespace HookRelay.Hook;

/// <summary>
/// Pairs a post run with the pre run of the same operation on the same node, so the post event
/// can say when the operation started and how long it took. Ganeti gives hooks no job id, so the
/// pair is keyed by what both runs share: hooks path, target and node. The pre run leaves a small
/// file in state_dir/runs holding its start time; the post run reads and removes it.
/// A post run without a marker (pre not installed, node rebooted, state wiped) simply has no timing;
/// a marker from an operation that failed before its post run is overwritten by the next pre run.
/// </summary>
public static class RunMarkers
{
    public const string DirectoryName = "runs";

    /// <summary>A marker older than this is from an operation that never finished; it says nothing about this one.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    public static string PathFor(string stateDir, HookEvent ev, string node)
    {
        // Targets are names chosen by operators: hashed, so no character of theirs reaches a path.
        // XxHash128, not SHA-256: this names a file, and SHA-256 would load OpenSSL into the hook.
        var key = XxHash128.Hash(Encoding.UTF8.GetBytes($"{ev.Hook}\n{ev.Target}\n{node}"));
        return Path.Combine(stateDir, DirectoryName, $"{Safe(ev.Hook)}-{Convert.ToHexStringLower(key)}");
    }

    /// <summary>Written by a pre run that let the operation go ahead. Best effort: timing is a nicety, never a reason to fail a hook.</summary>
    public static void MarkStart(string stateDir, HookEvent ev, string node, DateTimeOffset started)
    {
        var path = PathFor(stateDir, ev, node);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Posix.AtomicFile.Replace(path, System.Text.Encoding.ASCII.GetBytes(started.UtcTicks.ToString(CultureInfo.InvariantCulture)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The post run's timing from its pre run's marker, which is removed; null when there is none or it is stale.</summary>
    public static RunTiming? TakeTiming(string stateDir, HookEvent ev, string node, DateTimeOffset now)
    {
        var path = PathFor(stateDir, ev, node);
        try
        {
            // Most post runs have no marker (nothing installed for their pre phase): read without an exception for that.
            if (UnixFile.ReadIfExists(path) is not { } bytes)
            {
                return null;
            }
            File.Delete(path);
            if (!long.TryParse(bytes, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks <= 0 || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return null;
            }
            var started = new DateTimeOffset(ticks, TimeSpan.Zero);
            var took = now - started;
            return took < TimeSpan.Zero || took > MaxAge ? null : new RunTiming(started, (long)took.TotalMilliseconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Safe(string hook) =>
        string.Concat(hook.Take(40).Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_'));
}
