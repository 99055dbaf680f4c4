using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Ganeti;

/// <summary>
/// Node actions against Ganeti's real kvm hypervisor in the lab: Ganeti starts the QEMU, runs the
/// hooks, and HookRelay acts on the QEMU Ganeti started. Ganeti 3.0 grows a disk's storage but
/// not what the running QEMU sees; disk_resize must close that gap, on the primary only.
/// </summary>
[Collection(RealGanetiCluster.Name)]
public sealed class RealKvmTests(GanetiLab lab)
{
    private const string Os = "noop+default";
    private const long Mib = 1024 * 1024;

    private async Task Gnt(params string[] command)
    {
        var run = await lab.GntAsync(command);
        Assert.True(run.ExitCode == 0, $"{string.Join(' ', command)} exited {run.ExitCode}:\n{run.Output}");
    }

    private static bool Is(JsonElement ev, string type, string subject) =>
        ev.GetProperty("type").GetString() == type && ev.TryGetProperty("subject", out var s) && s.GetString() == subject;

    [Fact]
    public async Task Grow_disk_on_a_running_kvm_instance_resizes_the_QEMU_Ganeti_started_and_says_so()
    {
        if (!GanetiLab.HasKvm)
        {
            RequiredService.SkipOrFail("QEMU for Ganeti's kvm hypervisor (/usr/bin/kvm, Debian's qemu-system-x86)");
        }
        const string instance = "web-21.lab.example";
        await Gnt("gnt-instance", "add", "-H", "kvm", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M,vcpus=1",
            "--net", "0", "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", instance);
        try
        {
            var before = Assert.Single(await lab.QemuDiskSizesAsync(1, instance));
            Assert.Equal(1024 * Mib, before.Value);

            await Gnt("gnt-instance", "grow-disk", instance, "0", "256M");

            var done = await lab.WaitForEventAsync("disk_resize done for web-21", e => Is(e, "org.hookrelay.action.done", instance), TimeSpan.FromSeconds(60));
            var said = done.GetProperty("data").GetProperty("hookrelay");
            Assert.Equal("disk_resize", said.GetProperty("action").GetString());
            Assert.Equal($"disk 0 of {instance} ({before.Key}) grown in QEMU from 1024 MiB to 1280 MiB, read back", said.GetProperty("reason").GetString());
            Assert.Equal("node1.lab.example", done.GetProperty("data").GetProperty("node").GetProperty("name").GetString());
            Assert.Equal(1280 * Mib, (await lab.QemuDiskSizesAsync(1, instance))[before.Key]);
            // The primary's own hook run queued it for its own daemon.
            Assert.Contains(lab.HookRuns(1), r => r.GetProperty("hook").GetString() == "disk-grow" && r.GetProperty("phase").GetString() == "post"
                && r.GetProperty("target").GetString() == instance && r.GetProperty("outcome").GetString()!.Contains("action:disk_resize", StringComparison.Ordinal));
        }
        finally
        {
            // The guest only halts: it cannot answer an ACPI shutdown, which Ganeti would wait two minutes for.
            await Gnt("gnt-instance", "remove", "-f", "--shutdown-timeout=0", instance);
        }
    }

    [Fact]
    public async Task Grow_disk_on_the_fake_hypervisor_is_skipped_with_the_reason()
    {
        const string instance = "web-22.lab.example";
        await Gnt("gnt-instance", "add", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M",
            "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", instance);
        await Gnt("gnt-instance", "grow-disk", instance, "0", "128M");

        var skipped = await lab.WaitForEventAsync("disk_resize skipped for web-22", e => Is(e, "org.hookrelay.action.skipped", instance));

        Assert.Equal($"{instance} runs on the fake hypervisor; only kvm has a QEMU to tell",
            skipped.GetProperty("data").GetProperty("hookrelay").GetProperty("reason").GetString());
        await Gnt("gnt-instance", "remove", "-f", instance);
    }
}
