using System.Diagnostics;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Packaging;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MachineWide
{
    /// <summary>Tests that install into the machine itself (/usr, /etc, /var/lib): alone, after everything else, never beside the lab.</summary>
    public const string Name = "the machine itself";
}

/// <summary>
/// The .deb as an operator meets it: built by scripts/build-deb.sh from the published binaries
/// (lintian clean, no errors or warnings), installed with dpkg on this machine, upgraded over
/// itself (the outbox and an edited configuration kept), removed (the state kept, the hook links
/// gone) and purged (the state gone), and the machine left as it was found.
/// </summary>
[Collection(MachineWide.Name)]
public sealed class DebPackageTests
{
    private static readonly string[] Watched =
    [
        "/usr/bin/hookrelay", "/usr/bin/hookrelay-hook", "/usr/lib/hookrelay", "/etc/hookrelay", "/var/lib/hookrelay",
        "/lib/systemd/system/hookrelay.service", "/etc/systemd/system/multi-user.target.wants/hookrelay.service", "/etc/ganeti/hooks",
        "/usr/share/doc/hookrelay", "/usr/share/man/man1/hookrelay.1.gz",
    ];

    private static (int Exit, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + errors);
    }

    private static string Ok(string program, params string[] arguments)
    {
        var (exit, output) = Run(program, arguments);
        Assert.True(exit == 0, $"{program} {string.Join(' ', arguments)} exited {exit}:\n{output}");
        return output;
    }

    /// <summary>Every path under the watched ones, with its kind and, for links, the target: what must be the same afterwards.</summary>
    private static string Snapshot() => Ok("/bin/sh", "-c",
        $"for p in {string.Join(' ', Watched)}; do [ -e \"$p\" ] || [ -L \"$p\" ] && find \"$p\" -printf '%p %y %m %l\\n'; done | sort; dpkg-query -W -f='${{Status}}\\n' hookrelay 2>/dev/null || true");

    private static string[] InstalledTraces() =>
    [
        .. Run("dpkg-query", "-W", "hookrelay").Exit == 0 ? ["the hookrelay package (dpkg-query -W hookrelay)"] : Array.Empty<string>(),
        .. new[] { "/usr/bin/hookrelay", "/etc/hookrelay", "/var/lib/hookrelay" }.Where(p => File.Exists(p) || Directory.Exists(p)),
    ];

    [Fact]
    public void Installs_upgrades_removes_and_purges_leaving_the_machine_as_it_was()
    {
        var binary = RequiredService.HookRelayBinary();
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/dpkg-deb") || !File.Exists("/usr/bin/lintian"))
        {
            RequiredService.SkipOrFail("root, dpkg-deb and lintian (scripts/install-deps.sh)");
        }
        // This test installs into the machine: never over an installed HookRelay or its state.
        var found = InstalledTraces();
        if (found.Length > 0)
        {
            // A run of this test killed between install and purge leaves these behind; they are
            // named so whoever reads the failure can check and remove them, not guess.
            RequiredService.SkipOrFail($"a machine without HookRelay (found here: {string.Join(", ", found)}; purge would take them)");
        }
        var built = Ok(Repository.Path("scripts", "build-deb.sh"), Path.GetDirectoryName(binary)!);
        Assert.Contains("lintian: no errors, no warnings", built, StringComparison.Ordinal);
        var deb = Directory.GetFiles(Repository.Path("artifacts", "deb"), "hookrelay_*_amd64.deb").Single();
        var before = Snapshot();
        try
        {
            Ok("dpkg", "-i", deb);
            Assert.Contains("hookrelay ", Ok("/usr/bin/hookrelay", "version"), StringComparison.Ordinal);
            Assert.Contains("valid", Ok("/usr/bin/hookrelay", "config", "check"), StringComparison.Ordinal);
            Assert.True(File.Exists("/etc/systemd/system/multi-user.target.wants/hookrelay.service"), "the unit is enabled");
            Assert.Equal("", Ok("/usr/bin/systemd-analyze", "verify", "/lib/systemd/system/hookrelay.service").Trim());
            Assert.Contains("ExecStart=/usr/bin/hookrelay serve", File.ReadAllText("/lib/systemd/system/hookrelay.service"), StringComparison.Ordinal);
            // The hook links point through /usr/lib/hookrelay, where the binaries really are.
            Assert.Equal("/usr/lib/hookrelay/hookrelay", Path.GetFullPath(new FileInfo("/usr/bin/hookrelay").ResolveLinkTarget(true)!.FullName));

            // An operator's edit and the outbox's state survive an upgrade.
            File.AppendAllText("/etc/hookrelay/hookrelay.yaml", "# edited by the operator\n");
            File.WriteAllText("/var/lib/hookrelay/outbox-state", "queued events");
            Ok("dpkg", "-i", "--force-confold", deb);
            Assert.EndsWith("# edited by the operator\n", File.ReadAllText("/etc/hookrelay/hookrelay.yaml"), StringComparison.Ordinal);
            Assert.True(File.Exists("/var/lib/hookrelay/outbox-state"), "upgrade kept the state");

            // Remove keeps the state and the configuration; purge takes both.
            Ok("dpkg", "-r", "hookrelay");
            Assert.False(File.Exists("/usr/bin/hookrelay"));
            Assert.True(File.Exists("/var/lib/hookrelay/outbox-state"), "remove kept the state");
            Assert.True(File.Exists("/etc/hookrelay/hookrelay.yaml"), "remove kept the configuration");
            Ok("dpkg", "-P", "hookrelay");
            Assert.False(Directory.Exists("/var/lib/hookrelay"), "purge removed the state");
            Assert.False(File.Exists("/etc/hookrelay/hookrelay.yaml"), "purge removed the configuration");

            Assert.Equal(before, Snapshot());
        }
        finally
        {
            // Whatever failed above, the machine does not keep the package.
            Run("dpkg", "-P", "hookrelay");
        }
    }
}
