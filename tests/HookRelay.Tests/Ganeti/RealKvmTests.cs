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

    private Task Gnt(params string[] command) => lab.GntOkAsync(command);

    private static bool Is(JsonElement ev, string type, string subject) =>
        ev.GetProperty("type").GetString() == type && ev.TryGetProperty("subject", out var s) && s.GetString() == subject;

    private static bool ResizeOutcome(JsonElement ev, string outcome, string subject) =>
        Is(ev, $"org.hookrelay.action.{outcome}", subject) && ev.GetProperty("data").GetProperty("hookrelay").GetProperty("action").GetString() == "disk_resize";

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

            var done = await lab.WaitForEventAsync("disk_resize done for web-21", e => ResizeOutcome(e, "done", instance), TimeSpan.FromSeconds(60));
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
    public async Task Start_migrate_and_failover_pin_the_vcpus_where_the_instance_runs_and_free_them_where_it_left()
    {
        if (!GanetiLab.HasKvm)
        {
            RequiredService.SkipOrFail("QEMU for Ganeti's kvm hypervisor (/usr/bin/kvm, Debian's qemu-system-x86)");
        }
        const string instance = "web-23.lab.example";
        bool PinnedOn(JsonElement e, string node) => Is(e, "org.hookrelay.action.done", instance)
            && e.GetProperty("data").GetProperty("hookrelay").GetProperty("action").GetString() == "cpu_pinning"
            && e.GetProperty("data").GetProperty("node").GetProperty("name").GetString() == node
            && e.GetProperty("data").GetProperty("hookrelay").GetProperty("reason").GetString()!.Contains("pinned", StringComparison.Ordinal);
        async Task AssertOneCoreEach(int node)
        {
            var vcpus = await lab.VcpuAffinityAsync(node, instance);
            Assert.Equal(2, vcpus.Count);
            // This machine's two CPUs, one to each vCPU, whichever way round.
            Assert.Equal(["0", "1"], vcpus.Select(v => v.Cpus).Order(StringComparer.Ordinal));
        }
        await Gnt("gnt-instance", "add", "-H", "kvm", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M,vcpus=2",
            "--net", "0", "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", instance);
        try
        {
            await lab.WaitForEventAsync("cpu_pinning on node1 after the add", e => PinnedOn(e, "node1.lab.example"), TimeSpan.FromSeconds(60));
            await AssertOneCoreEach(1);
            var status = await lab.InNodeAsync(1, $"{lab.Bin}/hookrelay", "pin", "status");
            Assert.Contains($"{instance}  one core per vCPU", status.Output, StringComparison.Ordinal);
            Assert.Equal(2, status.Output.Split('\n').Count(l => l.Contains("vCPU", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" ok", StringComparison.Ordinal)));

            await Gnt("gnt-instance", "migrate", "-f", instance);
            await lab.WaitForEventAsync("cpu_pinning on node2 after the migration", e => PinnedOn(e, "node2.lab.example"), TimeSpan.FromSeconds(60));
            await AssertOneCoreEach(2);
            await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(instance, lab.Pinned(1));
            Assert.Contains(instance, lab.Pinned(2));

            await Gnt("gnt-instance", "failover", "-f", "--shutdown-timeout=0", instance);
            await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(2, lab.Received().Count(e => PinnedOn(e, "node1.lab.example")));
            await AssertOneCoreEach(1);
            Assert.Contains(instance, lab.Pinned(1));
            Assert.DoesNotContain(instance, lab.Pinned(2));
        }
        finally
        {
            await Gnt("gnt-instance", "remove", "-f", "--shutdown-timeout=0", instance);
        }
        await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(instance, lab.Pinned(1));
    }

    [Fact]
    public async Task Start_and_migration_shape_the_instances_own_tap_where_it_runs_and_leave_the_other_instances_counters_untouched()
    {
        if (!GanetiLab.HasKvm)
        {
            RequiredService.SkipOrFail("QEMU for Ganeti's kvm hypervisor (/usr/bin/kvm, Debian's qemu-system-x86)");
        }
        const string moving = "web-24.lab.example";
        const string staying = "web-25.lab.example";
        bool ShapedOn(JsonElement e, string instance, string node) => Is(e, "org.hookrelay.action.done", instance)
            && e.GetProperty("data").GetProperty("hookrelay").GetProperty("action").GetString() == "shaping"
            && e.GetProperty("data").GetProperty("node").GetProperty("name").GetString() == node;
        async Task<string> Tc(int node, params string[] arguments)
        {
            var run = await lab.InNodeAsync(node, ["tc", .. arguments]);
            Assert.True(run.ExitCode == 0, $"tc {string.Join(' ', arguments)} on node{node}: {run.Output}");
            return run.Output;
        }
        // Bytes HookRelay's inbound qdisc on the tap has passed: it would restart from zero if anything replaced it.
        async Task<long> InboundBytes(int node, string tap)
        {
            using var qdisc = JsonDocument.Parse(await Tc(node, "-s", "-j", "qdisc", "show", "dev", tap, "root"));
            var root = qdisc.RootElement.EnumerateArray().Single();
            Assert.Equal("4852:", root.GetProperty("handle").GetString());
            return root.GetProperty("bytes").GetInt64();
        }
        // Broadcast frames into the node's bridge: flooded to every tap, through each tap's inbound qdisc.
        async Task Flood(int node)
        {
            var run = await lab.InNodeAsync(node, "python3", "-c",
                "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('gnt0', 0)); "
                + "[s.send(b'\\xff' * 6 + b'\\x02\\x00\\x00\\x00\\x00\\x01' + b'\\x88\\xb5' + bytes(1000)) for _ in range(20)]");
            Assert.True(run.ExitCode == 0, run.Output);
        }
        foreach (var (instance, tags) in new[] { (moving, "hookrelay:egress:50mbit,hookrelay:ingress:20mbit"), (staying, "") })
        {
            await Gnt(["gnt-instance", "add", "-H", "kvm", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M,vcpus=1",
                "--net", "0", "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", .. tags.Length > 0 ? new[] { "--tags", tags } : [], instance]);
        }
        try
        {
            var added = await lab.WaitForEventAsync("shaping on node1 after the add", e => ShapedOn(e, moving, "node1.lab.example"), TimeSpan.FromSeconds(60));
            await lab.WaitForEventAsync("shaping of the other instance", e => ShapedOn(e, staying, "node1.lab.example"), TimeSpan.FromSeconds(60));
            var tap = Assert.Single(lab.ShapedTaps(1, moving));
            var otherTap = Assert.Single(lab.ShapedTaps(1, staying));
            Assert.Contains($"nic0 {tap} out 50mbit (class 4852:", added.GetProperty("data").GetProperty("hookrelay").GetProperty("reason").GetString(), StringComparison.Ordinal);
            var classes = await Tc(1, "class", "show", "dev", "eth0");
            Assert.Contains("rate 50Mbit ceil 50Mbit", classes, StringComparison.Ordinal);
            Assert.Contains("rate 600Mbit ceil 600Mbit", classes, StringComparison.Ordinal);
            Assert.Contains("rate 20Mbit", await Tc(1, "class", "show", "dev", tap), StringComparison.Ordinal);
            await Flood(1);
            var otherBefore = await InboundBytes(1, otherTap);
            Assert.True(otherBefore >= 20 * 1000, $"{otherBefore} bytes through {otherTap}");

            await Gnt("gnt-instance", "migrate", "-f", moving);
            await lab.WaitForEventAsync("shaping on node2 after the migration", e => ShapedOn(e, moving, "node2.lab.example"), TimeSpan.FromSeconds(60));
            await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(30));

            var tapThere = Assert.Single(lab.ShapedTaps(2, moving));
            Assert.Contains("rate 50Mbit ceil 50Mbit", await Tc(2, "class", "show", "dev", "eth0"), StringComparison.Ordinal);
            Assert.Contains("rate 20Mbit", await Tc(2, "class", "show", "dev", tapThere), StringComparison.Ordinal);
            Assert.Empty(lab.ShapedTaps(1, moving));
            var left = await Tc(1, "class", "show", "dev", "eth0");
            Assert.DoesNotContain("rate 50Mbit", left, StringComparison.Ordinal);
            Assert.Contains("rate 600Mbit ceil 600Mbit", left, StringComparison.Ordinal);
            Assert.True(await InboundBytes(1, otherTap) >= otherBefore, "the other instance's inbound qdisc was replaced (its counters restarted)");
            var status = await lab.InNodeAsync(1, $"{lab.Bin}/hookrelay", "shape", "status");
            Assert.Contains($"{staying}  nic0 {otherTap}  out 600mbit", status.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(moving, status.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var instance in new[] { moving, staying })
            {
                await Gnt("gnt-instance", "remove", "-f", "--shutdown-timeout=0", instance);
            }
        }
        await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(lab.ShapedTaps(1, staying));
        Assert.Empty(lab.ShapedTaps(2, moving));
    }

    [Fact]
    public async Task Grow_disk_on_the_fake_hypervisor_is_skipped_with_the_reason()
    {
        const string instance = "web-22.lab.example";
        await Gnt("gnt-instance", "add", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M",
            "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", instance);
        await Gnt("gnt-instance", "grow-disk", instance, "0", "128M");

        var skipped = await lab.WaitForEventAsync("disk_resize skipped for web-22", e => ResizeOutcome(e, "skipped", instance));

        Assert.Equal($"{instance} runs on the fake hypervisor; only kvm has a QEMU to tell",
            skipped.GetProperty("data").GetProperty("hookrelay").GetProperty("reason").GetString());
        await Gnt("gnt-instance", "remove", "-f", instance);
    }
}
