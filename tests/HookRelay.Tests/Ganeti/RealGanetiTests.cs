using System.Diagnostics;
using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Ganeti;

[CollectionDefinition(Name)]
public sealed class RealGanetiCluster : ICollectionFixture<GanetiLab>
{
    public const string Name = "real Ganeti";
}

/// <summary>
/// Ganeti itself runs HookRelay: a real two-node Ganeti 3.0 cluster (scripts/ganeti-lab.sh),
/// gnt-* commands on the master, the events checked where they arrive. The tests share the
/// cluster and run in order; each uses instances of its own.
/// </summary>
[Collection(RealGanetiCluster.Name)]
public sealed class RealGanetiTests(GanetiLab lab)
{
    private const string Os = "noop+default";

    private async Task Gnt(params string[] command)
    {
        var run = await lab.GntAsync(command);
        Assert.True(run.ExitCode == 0, $"{string.Join(' ', command)} exited {run.ExitCode}:\n{run.Output}");
    }

    private static bool Is(JsonElement ev, string type, string subject) =>
        ev.GetProperty("type").GetString() == type && ev.TryGetProperty("subject", out var s) && s.GetString() == subject;

    [Fact]
    public async Task An_added_instance_arrives_with_its_sizes_and_nics_once_from_the_master()
    {
        await Gnt("gnt-instance", "add", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "--disk", "1:size=2G",
            "-B", "memory=256M,vcpus=2", "--net", "0", "--net", "1", "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", "web-11.lab.example");
        var ev = await lab.WaitForEventAsync("instance-add post of web-11", e => Is(e, "org.ganeti.instance-add.post", "web-11.lab.example"));
        var instance = ev.GetProperty("data").GetProperty("instance");
        Assert.Equal([1024, 2048], instance.GetProperty("disks").EnumerateArray().Select(d => d.GetProperty("size_mib").GetInt32()));
        Assert.Equal(2, instance.GetProperty("nics").GetArrayLength());
        Assert.Equal(256, instance.GetProperty("memory_mib").GetInt32());
        Assert.Equal(2, instance.GetProperty("vcpus").GetInt32());
        Assert.Equal("node1.lab.example", ev.GetProperty("data").GetProperty("node").GetProperty("name").GetString());
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Single(lab.Received(), e => Is(e, "org.ganeti.instance-add.post", "web-11.lab.example"));
    }

    [Fact]
    public async Task A_live_migration_is_delivered_once_and_both_nodes_copies_share_the_opkey()
    {
        await Gnt("gnt-instance", "add", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M",
            "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", "web-12.lab.example");
        await Gnt("gnt-instance", "migrate", "-f", "web-12.lab.example");
        var ev = await lab.WaitForEventAsync("instance-migrate post of web-12", e => Is(e, "org.ganeti.instance-migrate.post", "web-12.lab.example"));
        var migrate = ev.GetProperty("data").GetProperty("migrate");
        Assert.True(migrate.GetProperty("live").GetBoolean());
        Assert.Equal("node1.lab.example", migrate.GetProperty("old_primary").GetString());
        Assert.Equal("node2.lab.example", migrate.GetProperty("new_primary").GetString());
        Assert.InRange(ev.GetProperty("data").GetProperty("timing").GetProperty("duration_ms").GetInt64(), 1, 120_000);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Single(lab.Received(), e => Is(e, "org.ganeti.instance-migrate.post", "web-12.lab.example"));
        // The same hook ran on both nodes; each queued its copy (route on_node: all) with one opkey.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        List<string?> opkeys;
        while ((opkeys = [.. new[] { 1, 2 }.SelectMany(n => lab.Copies(n)).Where(e => Is(e, "org.ganeti.instance-migrate.post", "web-12.lab.example"))
            .Select(e => e.GetProperty("opkey").GetString())]).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.Equal(2, opkeys.Count);
        Assert.Equal(opkeys[0], opkeys[1]);
        Assert.Equal(ev.GetProperty("opkey").GetString(), opkeys[0]);
    }

    [Fact]
    public async Task Grow_disk_and_rename_carry_the_disk_the_new_size_and_the_new_name()
    {
        await Gnt("gnt-instance", "add", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "--disk", "1:size=1G", "-B", "memory=128M",
            "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", "web-13.lab.example");
        await Gnt("gnt-instance", "grow-disk", "web-13.lab.example", "1", "512M");
        var grow = await lab.WaitForEventAsync("disk-grow post of web-13", e => Is(e, "org.ganeti.disk-grow.post", "web-13.lab.example"));
        var disk = grow.GetProperty("data").GetProperty("disk_grow");
        Assert.Equal(1, disk.GetProperty("disk").GetInt32());
        Assert.Equal(1024, disk.GetProperty("old_size_mib").GetInt32());
        Assert.Equal(1536, disk.GetProperty("new_size_mib").GetInt32());
        await Gnt("gnt-instance", "shutdown", "web-13.lab.example");
        await Gnt("gnt-instance", "rename", "--no-ip-check", "web-13.lab.example", "web-14.lab.example");
        var rename = await lab.WaitForEventAsync("instance-rename post of web-13", e => Is(e, "org.ganeti.instance-rename.post", "web-13.lab.example"));
        Assert.Equal("web-14.lab.example", rename.GetProperty("data").GetProperty("rename").GetProperty("new_name").GetString());
    }

    [Fact]
    public async Task A_gate_denial_is_the_sentence_the_operator_sees_and_the_job_fails()
    {
        var run = await lab.GntAsync("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node1.lab.example",
            "--no-name-check", "--no-ip-check", "tmp-1.lab.example");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("hookrelay: denied by gate 'naming':", run.Output, StringComparison.Ordinal);
        var jobs = await lab.GntAsync("gnt-job", "list", "--no-headers", "-o", "status,summary");
        Assert.Contains(jobs.Output.Split('\n'), line => line.StartsWith("error", StringComparison.Ordinal) && line.Contains("tmp-1", StringComparison.Ordinal));
        var denied = await lab.WaitForEventAsync("the denied instance-add pre", e => Is(e, "org.ganeti.instance-add.pre", "tmp-1.lab.example"));
        Assert.Equal("deny", denied.GetProperty("data").GetProperty("gates")[0].GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task With_the_receiver_down_a_job_is_neither_slowed_nor_failed_and_its_events_arrive_later()
    {
        await Gnt("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node2.lab.example",
            "--no-name-check", "--no-ip-check", "db-15.lab.example");
        await lab.WaitForEventAsync("instance-add post of db-15", e => Is(e, "org.ganeti.instance-add.post", "db-15.lab.example"));
        var up = await lab.GntAsync("gnt-instance", "reboot", "db-15.lab.example");
        await lab.StopReceiverAsync();
        try
        {
            var down = await lab.GntAsync("gnt-instance", "reboot", "db-15.lab.example");
            Assert.Equal(0, down.ExitCode);
            // Ganeti's own job handling varies by a second or so; a hook waiting on the far end would add its timeouts.
            Assert.True(down.Elapsed < up.Elapsed + TimeSpan.FromSeconds(2), $"reboot took {down.Elapsed.TotalSeconds:0.0} s with the receiver down, {up.Elapsed.TotalSeconds:0.0} s with it up");
        }
        finally
        {
            lab.StartReceiver();
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (lab.Received().Count(e => Is(e, "org.ganeti.instance-reboot.post", "db-15.lab.example")) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        Assert.Equal(2, lab.Received().Count(e => Is(e, "org.ganeti.instance-reboot.post", "db-15.lab.example")));
    }

    [Fact]
    public async Task Uninstall_leaves_the_hooks_directories_as_it_found_them_and_install_is_idempotent()
    {
        for (var node = 1; node <= 2; node++)
        {
            var again = await lab.InNodeAsync(node, $"{lab.Bin}/hookrelay", "install");
            Assert.Equal(0, again.ExitCode);
            Assert.Contains("0 change(s)", again.Output, StringComparison.Ordinal);
            var linked = await lab.HooksListingAsync(node);
            Assert.Contains(linked, l => l.StartsWith("hooks/instance-migrate-post.d/hookrelay l ", StringComparison.Ordinal));
            try
            {
                Assert.Equal(0, (await lab.InNodeAsync(node, $"{lab.Bin}/hookrelay", "uninstall")).ExitCode);
                Assert.Equal(lab.HooksBefore[node], await lab.HooksListingAsync(node));
            }
            finally
            {
                // The other tests need the hooks back, whatever happened here.
                Assert.Equal(0, (await lab.InNodeAsync(node, $"{lab.Bin}/hookrelay", "install")).ExitCode);
            }
        }
    }

    [Fact]
    public async Task Once_the_events_are_delivered_both_outboxes_are_empty()
    {
        await Gnt("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node2.lab.example",
            "--no-name-check", "--no-ip-check", "db-16.lab.example");
        await Gnt("gnt-instance", "remove", "-f", "db-16.lab.example");
        await lab.WaitForEventAsync("instance-remove post of db-16", e => Is(e, "org.ganeti.instance-remove.post", "db-16.lab.example"));
        for (var node = 1; node <= 2; node++)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            long pending;
            while ((pending = await lab.UndeliveredAsync(node, withDead: true)) > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
            Assert.Equal(0, pending);
        }
    }
}
