using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HookRelay.Actions;

namespace HookRelay.Tests.Support;

/// <summary>
/// A Ganeti node's network in namespaces this test makes and removes: the node (bridge br0, the
/// uplink up0 enslaved to it, taps tap0..tapN enslaved to it, as Ganeti's bridged NICs are),
/// the world beyond the uplink (10.77.0.1), and one namespace per "instance" behind its tap
/// (10.77.0.1N). Real kernel, real tc and nftables; iperf3 between the namespaces only, bounded.
/// </summary>
public sealed class ShapingNetwork : IDisposable
{
    private static int _count;
    private readonly List<string> _namespaces = [];
    private readonly TempDir _dir = new();

    public ShapingNetwork(int instances = 2)
    {
        Prefix = string.Create(CultureInfo.InvariantCulture, $"hrs{Environment.ProcessId % 100000}x{Interlocked.Increment(ref _count)}");
        Add("node");
        Add("out");
        Ip("-n", Node, "link", "add", "br0", "type", "bridge");
        Ip("-n", Node, "link", "set", "br0", "up");
        Ip("-n", Node, "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", Ns("out"));
        Ip("-n", Node, "link", "set", "up0", "master", "br0", "up");
        Ip("-n", Ns("out"), "addr", "add", "10.77.0.1/24", "dev", "eth0");
        Ip("-n", Ns("out"), "link", "set", "eth0", "up");
        Ip("-n", Ns("out"), "link", "set", "lo", "up");
        for (var i = 0; i < instances; i++)
        {
            AddTap(i);
        }
        Directory.CreateDirectory(NicDir);
    }

    public string Prefix { get; }

    public string Node => Ns("node");

    public string NicDir => Path.Combine(_dir.Path, "nic");

    public string StateDir => Path.Combine(_dir.Path, "state");

    public string Dir => _dir.Path;

    /// <summary>tc, nft and ip as the node runs them.</summary>
    public NodeTool Tool => new(["ip", "netns", "exec", Node]);

    public static void Require()
    {
        if (Environment.UserName != "root")
        {
            RequiredService.SkipOrFail("root (network namespaces for the shaping tests)");
        }
        foreach (var tool in new[] { "/usr/sbin/tc", "/usr/sbin/nft", "/usr/bin/iperf3", "/usr/sbin/ip" })
        {
            if (!File.Exists(tool))
            {
                RequiredService.SkipOrFail($"{tool} (Debian's iproute2, nftables and iperf3)");
            }
        }
    }

    /// <summary>The instance behind tapN, with Ganeti's record of it in the NIC directory.</summary>
    public void Start(string instance, int tap)
    {
        Directory.CreateDirectory(Path.Combine(NicDir, instance));
        File.WriteAllText(Path.Combine(NicDir, instance, "0"), $"tap{tap}\n");
    }

    /// <summary>As Ganeti stops an instance: its tap goes, and its NIC files with it.</summary>
    public void Stop(string instance, int tap)
    {
        Directory.Delete(Path.Combine(NicDir, instance), recursive: true);
        Ip("-n", Node, "link", "del", $"tap{tap}");
    }

    public string InNode(params string[] command) => Run(["ip", "netns", "exec", Node, .. command]);

    /// <summary>A command in the node's namespace, whatever its exit code: stdout and stderr together.</summary>
    public (int Exit, string Output) TryInNode(params string[] command) => Capture("ip", ["netns", "exec", Node, .. command]);

    /// <summary>
    /// Megabits per second from the instance behind tapN out through the uplink (or, reversed,
    /// towards it), over <paramref name="seconds"/>. A run iperf3 itself reports as broken (no
    /// received total in its JSON) is measured again, up to three times, with a fresh server.
    /// </summary>
    public double Mbits(int tap, bool towardsInstance = false, int seconds = 3)
    {
        var said = new List<string>();
        for (var measurement = 0; measurement < 3; measurement++)
        {
            var output = MeasureOnce(tap, towardsInstance, seconds);
            using var result = JsonDocument.Parse(output);
            if (result.RootElement.TryGetProperty("end", out var end) && end.TryGetProperty("sum_received", out var received))
            {
                return received.GetProperty("bits_per_second").GetDouble() / 1e6;
            }
            said.Add(output);
        }
        Assert.Fail($"iperf3 measured nothing three times: {string.Join("\n---\n", said)}");
        return 0;
    }

    /// <summary>One iperf3 run against a one-off server in the world namespace: the client's JSON.</summary>
    private string MeasureOnce(int tap, bool towardsInstance, int seconds)
    {
        using var server = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", Ns("out"), "iperf3", "-s", "-1", "-B", "10.77.0.1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            string[] client = ["netns", "exec", Ns($"vm{tap}"), "timeout", (seconds + 10).ToString(CultureInfo.InvariantCulture),
                "iperf3", "-c", "10.77.0.1", "-t", seconds.ToString(CultureInfo.InvariantCulture), "-J", .. towardsInstance ? new[] { "-R" } : []];
            for (var attempt = 0; ; attempt++)
            {
                var run = Capture("ip", client);
                // The server may not listen yet: iperf3 -J can say so in its JSON and still exit 0
                // (seen in CI on a loaded machine, three fresh servers in a row).
                var refused = run.Output.Contains("unable to connect to server", StringComparison.Ordinal);
                if (run.Exit == 0 && !refused)
                {
                    return run.Output;
                }
                Assert.True(attempt < 50, $"iperf3 client failed: {run.Output}");
                Thread.Sleep(100);
            }
        }
        finally
        {
            if (!server.WaitForExit(5000))
            {
                server.Kill();
                server.WaitForExit();
            }
        }
    }

    private void AddTap(int i)
    {
        var vm = Add($"vm{i}");
        Ip("-n", Node, "link", "add", $"tap{i}", "type", "veth", "peer", "name", "eth0", "netns", vm);
        Ip("-n", Node, "link", "set", $"tap{i}", "master", "br0", "up");
        Ip("-n", vm, "addr", "add", string.Create(CultureInfo.InvariantCulture, $"10.77.0.{10 + i}/24"), "dev", "eth0");
        Ip("-n", vm, "link", "set", "eth0", "up");
        Ip("-n", vm, "link", "set", "lo", "up");
    }

    private string Ns(string name) => $"{Prefix}-{name}";

    private string Add(string name)
    {
        Ip("netns", "add", Ns(name));
        _namespaces.Add(Ns(name));
        // No IPv6 neighbour chatter: the counters a test reads move only with its own traffic.
        Run(["ip", "netns", "exec", Ns(name), "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
        return Ns(name);
    }

    private static void Ip(params string[] arguments) => Run(["ip", .. arguments]);

    private static string Run(string[] command)
    {
        var run = Capture(command[0], command[1..]);
        Assert.True(run.Exit == 0, $"{string.Join(' ', command)} exited {run.Exit}: {run.Output}");
        return run.Output;
    }

    private static (int Exit, string Output) Capture(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + errors);
    }

    public void Dispose()
    {
        foreach (var ns in _namespaces)
        {
            Capture("ip", ["netns", "del", ns]);
        }
        _dir.Dispose();
    }
}
