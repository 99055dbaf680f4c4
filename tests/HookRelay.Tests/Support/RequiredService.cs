namespace HookRelay.Tests.Support;

/// <summary>
/// A test that needs something outside the process (the published AOT binary, a server) may
/// skip on a developer machine that lacks it, but under CI a missing dependency fails.
/// </summary>
public static class RequiredService
{
    /// <summary>
    /// Any non-empty CI counts: CI systems set CI=true, CI=1 or CI=yes, and a skip that one of
    /// them mistook for a developer machine would pass a run that checked nothing.
    /// </summary>
    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static void SkipOrFail(string what)
    {
        if (InCi)
        {
            Assert.Fail($"{what} is required under CI (CI='{Environment.GetEnvironmentVariable("CI")}')");
        }
        Assert.Skip($"{what} is missing on this machine");
    }

    /// <summary>The published NativeAOT binary (HOOKRELAY_BIN, as `make test` sets it).</summary>
    public static string HookRelayBinary()
    {
        var path = Environment.GetEnvironmentVariable("HOOKRELAY_BIN");
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            SkipOrFail($"the published hookrelay binary (HOOKRELAY_BIN='{path}'; run `make publish`)");
        }
        return path!;
    }

    /// <summary>The lean hook binary published beside it: what `hookrelay install` links and Ganeti runs.</summary>
    public static string HookBinary()
    {
        var path = Path.Combine(Path.GetDirectoryName(HookRelayBinary())!, "hookrelay-hook");
        if (!File.Exists(path))
        {
            SkipOrFail($"the published hookrelay-hook binary beside HOOKRELAY_BIN ({path}; run `make publish`)");
        }
        return path;
    }
}
