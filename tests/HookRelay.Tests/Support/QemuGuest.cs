using System.Diagnostics;

namespace HookRelay.Tests.Support;

/// <summary>
/// A real QEMU as Ganeti's kvm hypervisor starts one, for node actions to talk to: a raw disk
/// attached as Ganeti names hot-pluggable disks (drive and device "disk-" + the first three parts
/// of the disk's UUID), its QMP socket at control_dir/instance.qmp. Stopped (-S): no guest code
/// runs, so it costs no CPU. Stopped by its pid. What QEMU sees is read with python3's socket
/// module, not with HookRelay's QMP client.
/// </summary>
public sealed class QemuGuest : IAsyncDisposable
{
    private readonly Process _process;

    private readonly string _qmpSocket;

    private QemuGuest(Process process, string controlDir, string diskPath, string device, string qmpSocket)
    {
        _process = process;
        ControlDir = controlDir;
        DiskPath = diskPath;
        Device = device;
        _qmpSocket = qmpSocket;
    }

    public string ControlDir { get; }

    public string DiskPath { get; }

    /// <summary>The disk's drive name in QEMU.</summary>
    public string Device { get; }

    public int Pid => _process.Id;

    public static string DeviceFor(string diskUuid) => "disk-" + string.Join('-', diskUuid.Split('-').Take(3));

    /// <param name="humanMonitorOnly">
    /// As an instance without a QMP socket: control_dir holds only instance.monitor (HMP); the
    /// test's own QMP socket is elsewhere, where no action looks.
    /// </param>
    public static async Task<QemuGuest> StartAsync(string directory, string instance, string diskUuid, long diskBytes, int vcpus = 1,
        bool humanMonitorOnly = false)
    {
        var binary = new[] { "/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            RequiredService.SkipOrFail("QEMU (qemu-system-x86_64, Debian's qemu-system-x86)");
        }
        var controlDir = Path.Combine(directory, "ctrl");
        Directory.CreateDirectory(controlDir);
        var disk = Path.Combine(directory, instance + ".disk0");
        await using (var file = File.Create(disk))
        {
            file.SetLength(diskBytes);
        }
        var device = DeviceFor(diskUuid);
        var socket = humanMonitorOnly
            ? Path.Combine(Directory.CreateDirectory(Path.Combine(directory, "test-qmp")).FullName, instance + ".qmp")
            : Path.Combine(controlDir, instance + ".qmp");
        string[] monitor = humanMonitorOnly ? ["-monitor", $"unix:{Path.Combine(controlDir, instance + ".monitor")},server=on,wait=off"] : [];
        var start = new ProcessStartInfo(binary!,
        [
            "-machine", "q35,accel=kvm:tcg", "-nodefaults", "-display", "none", "-S", "-m", "32",
            "-smp", vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-drive", $"file={disk},format=raw,if=none,id={device},cache=none,aio=threads",
            "-device", $"virtio-blk-pci,drive={device},id={device}",
            "-qmp", $"unix:{socket},server=on,wait=off",
            .. monitor,
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var guest = new QemuGuest(process, controlDir, disk, device, socket);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(socket))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await guest.DisposeAsync();
                Assert.Fail($"QEMU did not open its QMP socket {socket} (exited: {process.HasExited})");
            }
            await Task.Delay(50);
        }
        try
        {
            // QEMU makes its monitor socket before it opens its drives, and its monitor answers only
            // once the machine is set up: a file grown before that answer would be opened at its new
            // size, which is not what a running guest sees (the disk-resize test failed so once).
            await guest.QemuSizeAsync();
        }
        catch
        {
            await guest.DisposeAsync();
            throw;
        }
        return guest;
    }

    /// <summary>The disk's size as QEMU's own query-block reports it (virtual-size, bytes).</summary>
    public async Task<long> QemuSizeAsync() => QmpQuery.BlockSizes(await AskAsync("query-block"))[Device];

    private async Task<string> AskAsync(string command)
    {
        var start = new ProcessStartInfo("python3", [QmpQuery.Script, _qmpSocket, command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var python = Process.Start(start)!;
        var output = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, $"{command} through scripts/qmp.py failed: {error}");
        return output;
    }

    /// <summary>Each vCPU's host thread id, by QEMU's own query-cpus-fast.</summary>
    public async Task<SortedDictionary<int, int>> VcpuThreadsAsync() => QmpQuery.VcpuThreads(await AskAsync("query-cpus-fast"));

    /// <summary>What Ganeti's storage layer does on grow-disk: the file grows; the running QEMU does not notice.</summary>
    public void GrowFile(long bytes)
    {
        using var file = new FileStream(DiskPath, FileMode.Open, FileAccess.Write);
        file.SetLength(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await ServiceProcesses.StopAsync(_process);
    }
}
