using System.Net.Sockets;
using HookRelay.Actions;
using HookRelay.Actions.Qemu;
using HookRelay.Events;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Actions.Qemu;

/// <summary>
/// disk_resize against a real QEMU started as Ganeti's kvm hypervisor starts it, for the lab's
/// disk-grow post run (disk 0 of web-1 grown from 1024 to 1280 MiB); what QEMU sees is read back
/// through its own query-block.
/// </summary>
public sealed class DiskResizeActionTests : IDisposable
{
    private const string Instance = "web-1.lab.example";
    private const string DiskUuid = "abeb0b7e-7648-445f-939d-450b502f925c";
    private const long Mib = 1024 * 1024;
    private readonly TempDir _dir = new();

    /// <summary>The captured disk-grow post run, on a kvm instance (the lab captured it on the fake hypervisor).</summary>
    private static EventView Trigger(Action<SortedDictionary<string, string>>? change = null)
    {
        var env = Fixtures.Env("disk-grow-post-node1-01");
        env["GANETI_INSTANCE_HYPERVISOR"] = "kvm";
        env["GANETI_POST_INSTANCE_HYPERVISOR"] = "kvm";
        change?.Invoke(env);
        return new EventView(CloudEvent.For(HookEventParser.Parse(env, "node1.lab.example"), DateTimeOffset.UtcNow).ToJsonUtf8());
    }

    private static DiskResizeAction Action(string controlDir, double timeoutSeconds = 10) => new(controlDir, TimeSpan.FromSeconds(timeoutSeconds));

    [Fact]
    public async Task Grows_the_disk_in_the_running_QEMU_to_the_size_Ganeti_recorded_and_reads_it_back()
    {
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, Instance, DiskUuid, 1024 * Mib);
        qemu.GrowFile(1280 * Mib);
        Assert.Equal(1024 * Mib, await qemu.QemuSizeAsync());
        using var trigger = Trigger();

        var outcome = await Action(qemu.ControlDir).RunAsync(trigger, TestContext.Current.CancellationToken);

        var done = Assert.IsType<ActionOutcome.Done>(outcome);
        Assert.Equal($"disk 0 of {Instance} ({qemu.Device}) grown in QEMU from 1024 MiB to 1280 MiB, read back", done.What);
        Assert.Equal(1280 * Mib, await qemu.QemuSizeAsync());
    }

    [Fact]
    public async Task Without_a_QMP_socket_the_human_monitor_does_it_and_the_outcome_says_so()
    {
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, Instance, DiskUuid, 1024 * Mib, humanMonitorOnly: true);
        qemu.GrowFile(1280 * Mib);
        Assert.False(File.Exists(Path.Combine(qemu.ControlDir, Instance + ".qmp")));
        using var trigger = Trigger();

        var outcome = await Action(qemu.ControlDir).RunAsync(trigger, TestContext.Current.CancellationToken);

        Assert.True(outcome is ActionOutcome.Done, outcome.ToString());
        Assert.Equal($"disk 0 of {Instance} ({qemu.Device}) grown in QEMU from 1024 MiB to 1280 MiB, read back over the HMP monitor (no QMP socket)",
            ((ActionOutcome.Done)outcome).What);
        Assert.Equal(1280 * Mib, await qemu.QemuSizeAsync());
        using var again = Trigger();
        Assert.IsType<ActionOutcome.Skipped>(await Action(qemu.ControlDir).RunAsync(again, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_repeat_is_a_no_op_that_says_so()
    {
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, Instance, DiskUuid, 1024 * Mib);
        qemu.GrowFile(1280 * Mib);
        using var trigger = Trigger();
        var action = Action(qemu.ControlDir);
        Assert.IsType<ActionOutcome.Done>(await action.RunAsync(trigger, TestContext.Current.CancellationToken));

        var again = await action.RunAsync(trigger, TestContext.Current.CancellationToken);

        Assert.Contains("already sees disk 0", Assert.IsType<ActionOutcome.Skipped>(again).Why, StringComparison.Ordinal);
        Assert.Equal(1280 * Mib, await qemu.QemuSizeAsync());
    }

    [Fact]
    public async Task Never_shrinks_a_disk_QEMU_sees_as_larger_than_Ganeti_says()
    {
        // QEMU would shrink a raw disk if asked; HookRelay must never ask.
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, Instance, DiskUuid, 2048 * Mib);
        using var trigger = Trigger();

        var outcome = await Action(qemu.ControlDir).RunAsync(trigger, TestContext.Current.CancellationToken);

        Assert.Contains("a disk is never shrunk", Assert.IsType<ActionOutcome.Skipped>(outcome).Why, StringComparison.Ordinal);
        Assert.Equal(2048 * Mib, await qemu.QemuSizeAsync());
    }

    [Fact]
    public async Task Finds_the_disk_by_its_UUID_and_refuses_to_guess_when_QEMU_has_no_such_disk()
    {
        await using var qemu = await QemuGuest.StartAsync(_dir.Path, Instance, "0f2df94e-401a-44b2-8f0f-3da214ab9202", 1024 * Mib);
        qemu.GrowFile(1280 * Mib);
        using var trigger = Trigger();

        var outcome = await Action(qemu.ControlDir).RunAsync(trigger, TestContext.Current.CancellationToken);

        var failed = Assert.IsType<ActionOutcome.Failed>(outcome);
        Assert.False(failed.Retry);
        Assert.Contains($"no block device for disk 0 of {Instance} (uuid {DiskUuid}); it has: {qemu.Device}", failed.Error, StringComparison.Ordinal);
        Assert.Equal(1024 * Mib, await qemu.QemuSizeAsync());
    }

    [Fact]
    public async Task An_instance_on_another_hypervisor_is_skipped_with_the_reason()
    {
        using var trigger = Trigger(env => env["GANETI_INSTANCE_HYPERVISOR"] = "fake");

        var outcome = await Action(_dir.Path).RunAsync(trigger, TestContext.Current.CancellationToken);

        Assert.Equal($"{Instance} runs on the fake hypervisor; only kvm has a QEMU to tell", Assert.IsType<ActionOutcome.Skipped>(outcome).Why);
    }

    [Fact]
    public async Task An_instance_not_running_on_this_node_is_skipped_with_the_reason()
    {
        using var trigger = Trigger();

        var outcome = await Action(Path.Combine(_dir.Path, "ctrl")).RunAsync(trigger, TestContext.Current.CancellationToken);

        Assert.StartsWith($"{Instance} is not running on this node (no QMP socket", Assert.IsType<ActionOutcome.Skipped>(outcome).Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_QMP_socket_that_never_answers_fails_within_the_timeout_and_is_worth_a_retry()
    {
        var controlDir = Directory.CreateDirectory(Path.Combine(_dir.Path, "ctrl")).FullName;
        // A monitor that accepts and then says nothing: a QEMU hung, or busy with another client.
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(Path.Combine(controlDir, Instance + ".qmp")));
        silent.Listen();
        using var trigger = Trigger();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var outcome = await Action(controlDir, timeoutSeconds: 1).RunAsync(trigger, TestContext.Current.CancellationToken);

        var failed = Assert.IsType<ActionOutcome.Failed>(outcome);
        Assert.True(failed.Retry);
        Assert.StartsWith("QEMU did not answer on ", failed.Error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    public void Dispose() => _dir.Dispose();
}
