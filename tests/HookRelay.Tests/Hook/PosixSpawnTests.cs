using System.Diagnostics;
using HookRelay.Hook;

namespace HookRelay.Tests.Hook;

/// <summary>Children started with posix_spawn: output read back, and never left running past the deadline.</summary>
public class PosixSpawnTests
{
    private static readonly List<string> Env = ["PATH=/usr/bin:/bin"];

    [Fact]
    public void A_captured_child_hands_back_its_stdout_and_exit_status()
    {
        var run = PosixSpawn.RunCaptured("/bin/sh", ["-c", "printf 'one\\ntwo'; echo noise >&2; exit 3"], Env, TimeSpan.FromSeconds(10), 1024);
        Assert.True(run.Finished);
        Assert.Equal("one\ntwo", System.Text.Encoding.UTF8.GetString(run.Stdout));
        Assert.Equal(3, run.ExitStatus >> 8);
    }

    [Fact]
    public void A_child_past_its_deadline_is_killed_not_waited_for()
    {
        var clock = Stopwatch.StartNew();
        var run = PosixSpawn.RunCaptured("/bin/sh", ["-c", "echo started; exec sleep 30"], Env, TimeSpan.FromMilliseconds(300), 1024);
        Assert.False(run.Finished);
        Assert.Equal("started\n", System.Text.Encoding.UTF8.GetString(run.Stdout));
        // Killed by SIGKILL (status 9) and reaped: nothing left behind.
        Assert.Equal(9, run.ExitStatus & 0x7f);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_child_that_writes_too_much_is_stopped()
    {
        var run = PosixSpawn.RunCaptured("/bin/sh", ["-c", "exec yes"], Env, TimeSpan.FromSeconds(10), 64 * 1024);
        Assert.False(run.Finished);
        Assert.True(run.Stdout.Length <= 64 * 1024);
    }

    [Fact]
    public void A_binary_that_does_not_exist_is_an_IO_error_naming_it()
    {
        var e = Assert.Throws<IOException>(() => PosixSpawn.RunCaptured("/nonexistent/hookrelay", [], Env, TimeSpan.FromSeconds(1), 1024));
        Assert.Contains("/nonexistent/hookrelay", e.Message, StringComparison.Ordinal);
    }
}
