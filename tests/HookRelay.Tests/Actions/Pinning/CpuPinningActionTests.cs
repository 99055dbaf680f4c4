using HookRelay.Actions;
using HookRelay.Actions.Pinning;
using HookRelay.Events;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Actions.Pinning;

/// <summary>
/// cpu_pinning against real QEMUs (one vCPU thread per -smp), on this machine's own topology.
/// Where each vCPU thread is pinned is read from the kernel (/proc/PID/task/TID/status,
/// Cpus_allowed_list), the thread ids from QEMU's own query-cpus-fast.
/// </summary>
public sealed class CpuPinningActionTests : IDisposable
{
    private const string DiskUuid = "abeb0b7e-7648-445f-939d-450b502f925c";
    private readonly TempDir _dir = new();

    private string StateDir => Path.Combine(_dir.Path, "state");

    private static EventView Trigger(string capture, string instance, string node = "node1.lab.example", Action<SortedDictionary<string, string>>? change = null)
    {
        var env = Fixtures.Env(capture);
        env["GANETI_INSTANCE_NAME"] = instance;
        env["GANETI_INSTANCE_HYPERVISOR"] = "kvm";
        change?.Invoke(env);
        return new EventView(CloudEvent.For(HookEventParser.Parse(env, node), DateTimeOffset.UtcNow).ToJsonUtf8());
    }

    private CpuPinningAction Action(string controlDir, string mode = "numa-1to1", params int[] reserved) =>
        new(controlDir, TimeSpan.FromSeconds(10), mode, reserved.ToHashSet(), StateDir);

    private static string Allowed(QemuGuest qemu, int thread) =>
        File.ReadLines($"/proc/{qemu.Pid}/task/{thread}/status").Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();

    private static async Task<ActionOutcome> Run(CpuPinningAction action, EventView trigger)
    {
        using (trigger)
        {
            return await action.RunAsync(trigger, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Start_on_the_primary_pins_each_vcpu_to_a_core_of_its_own_and_the_ledger_says_so()
    {
        var cores = NumaTopology.Read().Nodes.OrderByDescending(n => n.Cores.Count).First().Cores;
        if (cores.Count < 2)
        {
            Assert.Skip("a single-core machine has no two cores to give two vCPUs");
        }
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, "web-1.lab.example", DiskUuid, 64 << 20, vcpus: 2);

        var outcome = await Run(Action(qemu.ControlDir), Trigger("instance-start-post-node1-01", "web-1.lab.example"));

        Assert.Contains("2 vCPUs pinned one to a core", Assert.IsType<ActionOutcome.Done>(outcome).What, StringComparison.Ordinal);
        var threads = await qemu.VcpuThreadsAsync();
        Assert.Equal([cores[0].ToString(), cores[1].ToString()], threads.Values.Select(t => Allowed(qemu, t)));
        var held = PinLedger.Peek(StateDir)["web-1.lab.example"];
        Assert.Equal(PinnedInstance.OneToOne, held.Mode);
        Assert.Equal(threads.Values, held.Threads.Select(t => t.ThreadId));
    }

    [Fact]
    public async Task A_second_instance_with_no_free_core_left_gets_its_nodes_cpus_and_a_stop_gives_the_cores_back()
    {
        var node = NumaTopology.Read().Nodes[0];
        await using var first = await QemuGuest.StartAsync(Path.Combine(_dir.Path, "a"), "web-1.lab.example", DiskUuid, 64 << 20, vcpus: node.Cores.Count);
        await using var second = await QemuGuest.StartAsync(Path.Combine(_dir.Path, "b"), "web-2.lab.example", DiskUuid, 64 << 20);
        Assert.IsType<ActionOutcome.Done>(await Run(Action(first.ControlDir), Trigger("instance-start-post-node1-01", "web-1.lab.example")));

        var crowded = await Run(Action(second.ControlDir), Trigger("instance-start-post-node1-01", "web-2.lab.example"));

        Assert.Contains("pinned to NUMA node", Assert.IsType<ActionOutcome.Done>(crowded).What, StringComparison.Ordinal);
        Assert.Contains("too few free cores for one each", ((ActionOutcome.Done)crowded).What, StringComparison.Ordinal);
        Assert.Equal(CpuList.Format(node.Cpus), Allowed(second, (await second.VcpuThreadsAsync())[0]));

        var stopped = await Run(Action(first.ControlDir), Trigger("instance-stop-post-node1-01", "web-1.lab.example"));

        Assert.Contains("given back after instance-stop", Assert.IsType<ActionOutcome.Done>(stopped).What, StringComparison.Ordinal);
        Assert.Equal(["web-2.lab.example"], PinLedger.Peek(StateDir).Keys);
    }

    [Fact]
    public async Task Reserved_cpus_are_never_pinned_to()
    {
        var node = NumaTopology.Read().Nodes[0];
        if (node.Cores.Count < 2)
        {
            Assert.Skip("a single-core machine has nothing left after reserving a core");
        }
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, "web-1.lab.example", DiskUuid, 64 << 20);
        var reserved = node.Cores[0].Cpus.ToArray();

        Assert.IsType<ActionOutcome.Done>(await Run(Action(qemu.ControlDir, "numa-1to1", reserved), Trigger("instance-start-post-node1-01", "web-1.lab.example")));

        Assert.Equal(node.Cores[1].ToString(), Allowed(qemu, (await qemu.VcpuThreadsAsync())[0]));
    }

    [Fact]
    public async Task The_old_primary_gives_the_cpus_back_after_a_migration()
    {
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, "web-1.lab.example", DiskUuid, 64 << 20);
        Assert.IsType<ActionOutcome.Done>(await Run(Action(qemu.ControlDir), Trigger("instance-start-post-node1-01", "web-1.lab.example")));

        // The migration's post run on node1, which is now the old primary.
        var away = await Run(Action(qemu.ControlDir), Trigger("instance-migrate-post-node1-01", "web-1.lab.example"));

        Assert.Contains("given back after instance-migrate", Assert.IsType<ActionOutcome.Done>(away).What, StringComparison.Ordinal);
        Assert.Empty(PinLedger.Peek(StateDir));
    }

    [Fact]
    public async Task The_node_an_instance_moved_away_from_gives_its_cpus_back()
    {
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, "web-24.lab.example", DiskUuid, 64 << 20);
        Assert.IsType<ActionOutcome.Done>(await Run(Action(qemu.ControlDir), Trigger("instance-start-post-node1-01", "web-24.lab.example")));

        // The lab's gnt-instance move of web-24 to node2, as node1 (which it left) ran its post hook.
        var moved = await Run(Action(qemu.ControlDir), Trigger("instance-move-post-node1-e2e01", "web-24.lab.example"));

        Assert.Contains("given back after instance-move", Assert.IsType<ActionOutcome.Done>(moved).What, StringComparison.Ordinal);
        Assert.Empty(PinLedger.Peek(StateDir));
    }

    [Fact]
    public async Task Ganetis_own_cpu_mask_wins_and_the_fake_hypervisor_is_skipped()
    {
        var masked = await Run(Action(_dir.Path), Trigger("instance-start-post-node1-01", "web-1.lab.example",
            change: env => env["GANETI_INSTANCE_HV_cpu_mask"] = "1"));
        var fake = await Run(Action(_dir.Path), Trigger("instance-start-post-node1-01", "web-1.lab.example",
            change: env => env["GANETI_INSTANCE_HYPERVISOR"] = "fake"));

        Assert.Equal("Ganeti's cpu_mask (1) pins web-1.lab.example; HookRelay leaves it to Ganeti", Assert.IsType<ActionOutcome.Skipped>(masked).Why);
        Assert.Equal("web-1.lab.example runs on the fake hypervisor; only kvm has vCPU threads to pin", Assert.IsType<ActionOutcome.Skipped>(fake).Why);
    }

    [Fact]
    public async Task Reconcile_rebuilds_a_lost_ledger_from_what_the_running_qemus_are_pinned_to_and_status_checks_each_thread()
    {
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, "web-1.lab.example", DiskUuid, 64 << 20, vcpus: 2);
        Assert.IsType<ActionOutcome.Done>(await Run(Action(qemu.ControlDir), Trigger("instance-start-post-node1-01", "web-1.lab.example")));
        var pinned = PinLedger.Peek(StateDir)["web-1.lab.example"];
        File.Delete(Path.Combine(StateDir, PinLedger.FileName));
        var config = _dir.File("hookrelay.yaml", $"state_dir: {StateDir}\nactions:\n  cpu_pinning: {{ control_dir: {qemu.ControlDir} }}\n");
        var output = new StringWriter();

        Assert.Equal(0, await HookRelay.Cli.PinCommand.ReconcileAsync(config, output, TestContext.Current.CancellationToken));

        var rebuilt = PinLedger.Peek(StateDir)["web-1.lab.example"];
        Assert.Equal(pinned.Mode, rebuilt.Mode);
        Assert.Equal(pinned.Threads.Select(t => (t.ThreadId, CpuList.Format(t.Cpus))), rebuilt.Threads.Select(t => (t.ThreadId, CpuList.Format(t.Cpus))));
        Assert.Contains("ledger rebuilt: 1 pinned", output.ToString(), StringComparison.Ordinal);

        var status = new StringWriter();
        Assert.Equal(0, await HookRelay.Cli.PinCommand.StatusAsync(config, false, status, TestContext.Current.CancellationToken));
        Assert.Equal(2, status.ToString().Split('\n').Count(l => l.Contains("vCPU", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" ok", StringComparison.Ordinal)));
    }

    public void Dispose() => _dir.Dispose();
}
