using System.Diagnostics;
using HookRelay.Hook;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Outbox;

/// <summary>
/// The state directory on a small tmpfs that gets filled up: the hook must say so in one line and
/// exit by the phase rules within its budget, and what was queued before must survive.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly HookRelayHost _host = new();
    private bool _mounted;

    public void Dispose()
    {
        if (_mounted)
        {
            Run("umount", _host.StateDir);
        }
        _host.Dispose();
    }

    private static int Run(string file, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, UseShellExecute = false })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    private void MountSmallTmpfs()
    {
        Directory.CreateDirectory(_host.StateDir);
        if (Run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", _host.StateDir) != 0)
        {
            RequiredService.SkipOrFail("mounting a tmpfs (needs root)");
        }
        _mounted = true;
    }

    private void FillTheDisk()
    {
        using var filler = File.OpenWrite(Path.Combine(_host.StateDir, "filler"));
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                filler.Write(block);
                filler.Flush();
            }
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_full_disk_is_one_clear_line_and_the_phase_rules_and_nothing_queued_is_lost()
    {
        MountSmallTmpfs();
        var events = Path.Combine(_host.Dir.Path, "events.jsonl");
        _host.Configure($$"""
            hook: { budget: 5s, on_internal_error: deny }
            sinks: { out: { type: file, path: "{{events}}" } }
            routes: [ { name: all, on_node: all, to: [out] } ]
            """);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01")).ExitCode);
        }
        FillTheDisk();

        var post = await _host.RunHookAsync("instance-migrate-post-node1-01");
        Assert.Equal(HookExitCodes.Ok, post.ExitCode);
        var line = Assert.Single(post.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("NOT queued for out", line, StringComparison.Ordinal);
        Assert.Contains("full", line, StringComparison.Ordinal);
        Assert.True(post.Elapsed < TimeSpan.FromSeconds(5), post.Elapsed.ToString());

        var pre = await _host.RunHookAsync("instance-migrate-pre-node1-01");
        Assert.Equal(HookExitCodes.InternalErrorDenied, pre.ExitCode);
        Assert.Contains("NOT queued", pre.Stderr, StringComparison.Ordinal);

        File.Delete(Path.Combine(_host.StateDir, "filler"));
        await _host.DrainAsync();
        Assert.Equal(3, File.ReadAllLines(events).Length);
    }
}
