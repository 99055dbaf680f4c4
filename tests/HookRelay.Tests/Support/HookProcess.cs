using System.ComponentModel;
using System.Diagnostics;

namespace HookRelay.Tests.Support;

/// <summary>What one run of the hook binary did.</summary>
public sealed record HookRun(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

/// <summary>
/// Runs the published binary the way ganeti-noded runs a hook: an emptied environment with
/// only PATH, LC_CTYPE and the GANETI_* variables, cwd /, stdin a pipe, no arguments.
/// </summary>
public static class HookProcess
{
    public static Task<HookRun> RunAsync(string binary, IReadOnlyDictionary<string, string> ganetiVars,
        IReadOnlyDictionary<string, string> extra, TimeSpan timeout) => RunAsync(binary, [], ganetiVars, extra, timeout);

    /// <summary>The same emptied environment, with arguments: how the CLI is tested as shipped.</summary>
    public static async Task<HookRun> RunAsync(string binary, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> ganetiVars,
        IReadOnlyDictionary<string, string> extra, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(binary, arguments)
        {
            WorkingDirectory = "/",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/sbin:/bin:/usr/sbin:/usr/bin";
        start.Environment["LC_CTYPE"] = "C.UTF-8";
        foreach (var (key, value) in ganetiVars.Where(kv => kv.Key.StartsWith("GANETI_", StringComparison.Ordinal)))
        {
            start.Environment[key] = value;
        }
        foreach (var (key, value) in extra)
        {
            start.Environment[key] = value;
        }
        var clock = Stopwatch.StartNew();
        using var process = StartWhenNotBusy(start);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the hook did not exit within {timeout.TotalSeconds} s");
        }
        return new HookRun(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    /// <summary>
    /// Process.Start, again while the binary is "text file busy": a test that has just copied a
    /// binary to run it can lose a race with another test's fork, whose child holds the copy's
    /// write descriptor until it execs (ETXTBSY, seen once in CI). Only that error, only briefly.
    /// </summary>
    private static Process StartWhenNotBusy(ProcessStartInfo start)
    {
        const int TextFileBusy = 26;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Process.Start(start)!;
            }
            catch (Win32Exception e) when (e.NativeErrorCode == TextFileBusy && attempt < 20)
            {
                Thread.Sleep(50);
            }
        }
    }
}
