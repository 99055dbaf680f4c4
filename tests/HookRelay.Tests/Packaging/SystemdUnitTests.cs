using System.Diagnostics;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Packaging;

/// <summary>
/// The systemd units in packaging/ as systemd itself reads them (systemd-analyze verify, which
/// needs no running systemd), with ExecStart pointed at the published binary, and each unit's
/// command line accepted by that binary.
/// </summary>
public sealed class SystemdUnitTests : IDisposable
{
    private const string Analyze = "/usr/bin/systemd-analyze";
    private const string Installed = "/usr/local/sbin/hookrelay";
    private readonly TempDir _dir = new();

    public static TheoryData<string> Units() => [.. Directory.GetFiles(Repository.Path("packaging"), "*.service").Select(Path.GetFileName).OfType<string>()];

    private static (int Exit, string Output) Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + errors);
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void The_unit_verifies_clean_and_its_command_line_is_one_hookrelay_takes(string unit)
    {
        var binary = RequiredService.HookRelayBinary();
        if (!File.Exists(Analyze))
        {
            RequiredService.SkipOrFail($"{Analyze} (Debian package systemd)");
        }
        var text = File.ReadAllText(Repository.Path("packaging", unit));
        var copy = Path.Combine(_dir.Path, unit);
        File.WriteAllText(copy, text.Replace(Installed, binary, StringComparison.Ordinal));

        var verify = Run(Analyze, "verify", copy);

        Assert.True(verify.Exit == 0 && verify.Output.Trim().Length == 0, $"systemd-analyze verify {unit}: {verify.Output}");
        var exec = text.Split('\n').Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Installed, exec[0]);
        // The same arguments with --help: parsed (a misspelt command or option fails) without running anything.
        var help = Run(binary, [.. exec[1..], "--help"]);
        Assert.True(help.Exit == 0, $"hookrelay {string.Join(' ', exec[1..])} --help: {help.Output}");
    }

    public void Dispose() => _dir.Dispose();
}
