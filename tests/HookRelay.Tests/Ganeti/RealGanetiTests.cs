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

    private Task Gnt(params string[] command) => lab.GntOkAsync(command);

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
        // Which HookRelay delivered it, and with which configuration: what receivers compare across nodes.
        var configuration = await File.ReadAllBytesAsync(Path.Combine(lab.EtcOf(1), "hookrelay.yaml"), TestContext.Current.CancellationToken);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(configuration)), ev.GetProperty("confighash").GetString());
        Assert.StartsWith("0.", ev.GetProperty("hookrelayversion").GetString(), StringComparison.Ordinal);
        // "Once" is counted when nothing is left to deliver anywhere, not some time after the first copy.
        await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(60));
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
        await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(60));
        Assert.Single(lab.Received(), e => Is(e, "org.ganeti.instance-migrate.post", "web-12.lab.example"));
        // The same hook ran on both nodes; each queued its copy (route on_node: all) with one opkey.
        List<string?> opkeys = [.. new[] { 1, 2 }.SelectMany(n => lab.Copies(n)).Where(e => Is(e, "org.ganeti.instance-migrate.post", "web-12.lab.example"))
            .Select(e => e.GetProperty("opkey").GetString())];
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
    public async Task With_the_receiver_down_a_job_neither_waits_nor_fails_and_its_events_arrive_later()
    {
        await Gnt("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node2.lab.example",
            "--no-name-check", "--no-ip-check", "db-15.lab.example");
        await lab.WaitForEventAsync("instance-add post of db-15", e => Is(e, "org.ganeti.instance-add.post", "db-15.lab.example"));
        await lab.StopReceiverAsync();
        try
        {
            var runsBefore = lab.HookRuns(1).Count;
            var down = await lab.GntAsync("gnt-instance", "reboot", "db-15.lab.example");
            Assert.True(down.ExitCode == 0, $"reboot with the receiver down exited {down.ExitCode}:\n{down.Output}");
            // What makes the job independent of the far end (timing two jobs would race with the
            // rest of the machine; bench/ganeti-jobs.sh measures that): the master's post hook
            // queued the event for the receiver and returned 0, and the row waits in its outbox.
            var post = Assert.Single(lab.HookRuns(1).Skip(runsBefore), r =>
                r.GetProperty("hook").GetString() == "instance-reboot" && r.GetProperty("phase").GetString() == "post");
            Assert.Equal(0, post.GetProperty("exit").GetInt32());
            Assert.Contains("queued for", post.GetProperty("outcome").GetString(), StringComparison.Ordinal);
            Assert.Contains("receiver", post.GetProperty("outcome").GetString(), StringComparison.Ordinal);
            Assert.True(await lab.UndeliveredAsync(1) > 0, "node1's outbox holds nothing while the receiver is down");
            Assert.DoesNotContain(lab.Received(), e => Is(e, "org.ganeti.instance-reboot.post", "db-15.lab.example"));
        }
        finally
        {
            lab.StartReceiver();
        }
        await lab.WaitForEventAsync("instance-reboot post of db-15 after the receiver came back",
            e => Is(e, "org.ganeti.instance-reboot.post", "db-15.lab.example"), TimeSpan.FromSeconds(60));
        await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(60));
        Assert.Single(lab.Received(), e => Is(e, "org.ganeti.instance-reboot.post", "db-15.lab.example"));
    }

    [Fact]
    public async Task Uninstall_leaves_the_hooks_directories_as_it_found_them_and_install_is_idempotent()
    {
        for (var node = 1; node <= 2; node++)
        {
            var again = await lab.InNodeAsync(node, $"{lab.Bin}/hookrelay", "install");
            Assert.Equal(0, again.ExitCode);
            Assert.Contains("0 changes,", again.Output, StringComparison.Ordinal);
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
        await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(60));
        for (var node = 1; node <= 2; node++)
        {
            Assert.Equal(0, await lab.UndeliveredAsync(node, withDead: true));
        }
    }
}
