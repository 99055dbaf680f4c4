using System.Diagnostics;
using System.Text.Json;

namespace HookRelay.Tests.Support;

/// <summary>What one command in a lab node did.</summary>
public sealed record LabRun(int ExitCode, string Output, TimeSpan Elapsed);

/// <summary>
/// A real two-node Ganeti cluster (scripts/ganeti-lab.sh) with HookRelay installed on both nodes
/// as an operator would: the published binaries, one configuration in /etc/hookrelay,
/// `hookrelay install`, `hookrelay serve` on each node; and a receiver inside node1 standing in
/// for the far end. Brought up once for the tests that share it, taken down after them.
/// </summary>
public sealed class GanetiLab : IAsyncLifetime
{
    public const string Receiver = "10.78.0.11";
    private readonly List<Process> _started = [];
    private Process? _receiver;

    public string Dir { get; } = $"/tmp/hookrelay-ganeti-lab-{Environment.ProcessId}";

    public string Script { get; } = Path.Combine(Repository.Root, "scripts", "ganeti-lab.sh");

    public int ReceiverPort { get; } = ServiceProcesses.FreeLoopbackPort();

    /// <summary>PowerDNS inside node1 (on <see cref="Receiver"/>): the DNS port, and its API's.</summary>
    public int DnsPort { get; } = ServiceProcesses.FreeLoopbackPort();

    public int DnsApiPort { get; } = ServiceProcesses.FreeLoopbackPort();

    public const string RapiUser = "hookrelay";

    public const string RapiPassword = "rapi-secret-1618";

    public string ReceivedFile => Path.Combine(Dir, "received.jsonl");

    public string Bin => Path.Combine(Dir, "bin");

    /// <summary>The hooks directories of each node before HookRelay was installed: what uninstall must give back.</summary>
    public IReadOnlyList<string>[] HooksBefore { get; } = new IReadOnlyList<string>[3];

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists("/usr/sbin/gnt-cluster") || !File.Exists("/usr/sbin/sshd"))
        {
            RequiredService.SkipOrFail("Ganeti and OpenSSH (Debian packages ganeti, openssh-server)");
        }
        if (Environment.UserName != "root")
        {
            RequiredService.SkipOrFail("root (the Ganeti lab makes namespaces, veth pairs and bind mounts)");
        }
        var binary = RequiredService.HookRelayBinary();
        var up = await RunAsync(Script, ["up"], TimeSpan.FromMinutes(3));
        Assert.True(up.ExitCode == 0, $"ganeti-lab.sh up failed:\n{up.Output}");
        Directory.CreateDirectory(Bin);
        foreach (var name in new[] { "hookrelay", "hookrelay-hook" })
        {
            File.Copy(Path.Combine(Path.GetDirectoryName(binary)!, name), Path.Combine(Bin, name), overwrite: true);
        }
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Support", "lab_receiver.py"), Path.Combine(Dir, "lab_receiver.py"), overwrite: true);
        await PrepareDnsAsync();
        await WriteEtcAsync("web-token", WebToken);
        await WriteEtcAsync("hookrelay.yaml", Config());
        for (var node = 1; node <= 2; node++)
        {
            HooksBefore[node] = await HooksListingAsync(node);
            var install = await InNodeAsync(node, $"{Bin}/hookrelay", "install");
            Assert.True(install.ExitCode == 0, $"install on node{node}: {install.Output}");
            _serves[node] = Background(node, $"{Bin}/hookrelay", "serve");
        }
        StartReceiver();
        StartDns();
    }

    private string PdnsDir => Path.Combine(Dir, "pdns");

    /// <summary>Each node's /etc/hookrelay, as seen from the host (the lab gives each node its own).</summary>
    public string EtcOf(int node) => node == 1 ? Path.Combine(Dir, "etc-hookrelay") : Path.Combine(Dir, $"node{node}", "etc-hookrelay");

    /// <summary>A file of /etc/hookrelay, the same on both nodes, as an operator's deployment would put it.</summary>
    public async Task WriteEtcAsync(string name, string content)
    {
        for (var node = 1; node <= 2; node++)
        {
            await File.WriteAllTextAsync(Path.Combine(EtcOf(node), name), content);
        }
    }

    public static bool HasPowerDns => File.Exists("/usr/sbin/pdns_server") && File.Exists("/usr/bin/pdnsutil");

    /// <summary>
    /// PowerDNS's database with the lab's zones (made with pdnsutil, before the server starts), and a
    /// read-only RAPI user on the master for `dns reconcile` (ganeti-rapi rereads its users file).
    /// </summary>
    private async Task PrepareDnsAsync()
    {
        await WriteEtcAsync("rapi.password", RapiPassword);
        var users = await InNodeAsync(1, "sh", "-c", $"mkdir -p /var/lib/ganeti/rapi && echo '{RapiUser} {RapiPassword}' >> /var/lib/ganeti/rapi/users");
        Assert.True(users.ExitCode == 0, $"RAPI user: {users.Output}");
        if (!HasPowerDns)
        {
            return;
        }
        Directory.CreateDirectory(PdnsDir);
        var database = Path.Combine(PdnsDir, "pdns.sqlite3");
        var schema = await RunAsync("/usr/bin/python3", ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()",
            database, "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"], TimeSpan.FromSeconds(30));
        Assert.True(schema.ExitCode == 0, schema.Output);
        // No caches: the tests change records behind HookRelay's back (pdnsutil) and read them at once.
        await File.WriteAllTextAsync(Path.Combine(PdnsDir, "pdns.conf"), $"""
            launch=gsqlite3
            gsqlite3-database={database}
            local-address={Receiver}
            local-port={DnsPort}
            api=yes
            api-key={DnsApiKey}
            webserver=yes
            webserver-address={Receiver}
            webserver-port={DnsApiPort}
            webserver-allow-from=10.78.0.0/24,127.0.0.0/8
            socket-dir={PdnsDir}
            guardian=no
            daemon=no
            cache-ttl=0
            negquery-cache-ttl=0
            query-cache-ttl=0
            """);
        foreach (var zone in DnsZones)
        {
            var made = await PdnsUtilAsync("create-zone", zone, "ns1.lab.example");
            Assert.True(made.ExitCode == 0, made.Output);
        }
    }

    public const string DnsApiKey = "lab-pdns-key-1414";

    /// <summary>Each node's daemon serves its page and API on every address of its namespace, with this token.</summary>
    public const int WebPort = 9786;

    public const string WebToken = "lab-web-token-3141";

    /// <summary>A loopback port on this host that reaches <paramref name="port"/> inside the node (dispose to close it).</summary>
    public NodePortForwarder Forward(int node, int port) => new(Script, Dir, node, port);

    public static readonly string[] DnsZones = ["lab.example", "192.in-addr.arpa"];

    private void StartDns()
    {
        if (HasPowerDns)
        {
            Background(1, "/usr/sbin/pdns_server", $"--config-dir={PdnsDir}");
        }
    }

    /// <summary>pdnsutil on the lab's PowerDNS database: someone changing a zone behind HookRelay's back.</summary>
    public Task<LabRun> PdnsUtilAsync(params string[] arguments) =>
        RunAsync("/usr/bin/pdnsutil", [$"--config-dir={PdnsDir}", .. arguments], TimeSpan.FromSeconds(30));

    /// <summary>What dig, run in node1, gets from the lab's PowerDNS for NAME TYPE: the values, sorted.</summary>
    public async Task<string> DigAsync(string name, string type)
    {
        var run = await InNodeAsync(1, "dig", $"@{Receiver}", "-p", DnsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "+short", "+norecurse", "+tries=1", "+time=2", name, type);
        return string.Join(" ", run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }

    /// <summary>The lab's configuration as the nodes are given it, for a test that changes it for a while.</summary>
    public string ConfigYaml => Config();

    private string Config() => $$"""
        # The end-to-end tests' configuration: instance events from the master to the receiver,
        # every event from every node to a file on that node (its copies), a naming gate, and
        # disk_resize, cpu_pinning and shaping (outbound on the node's eth0, inbound on each tap) on
        # the nodes that must act, with their outcomes to the receiver; the DNS test's instances
        # (web-40..49) kept in the PowerDNS running in node1; each node's page and API behind a token;
        # every step of every job in the master's queue to the receiver.
        delivery: { without_daemon: keep }
        web: { listen: "*:{{WebPort}}", token: "${file:/etc/hookrelay/web-token}" }
        sinks:
          receiver: { type: webhook, url: "http://{{Receiver}}:{{ReceiverPort}}/events", timeout: 2s, backoff: { initial: 200ms, max: 1s } }
          copies: { type: file, path: /var/lib/hookrelay/copies.jsonl, fsync: false }
          dns:
            type: powerdns
            api: "http://{{Receiver}}:{{DnsApiPort}}"
            key: {{DnsApiKey}}
            zones: [lab.example, 192.in-addr.arpa]
            ttl: 60
            backoff: { initial: 200ms, max: 1s }
            rapi: { url: "https://127.0.0.1:5080", user: {{RapiUser}}, password: "${file:/etc/hookrelay/rapi.password}", certificate: /var/lib/ganeti/rapi.pem }
        routes:
          - { name: everything, on_node: master, matchers: ['hook=~"instance-.*|disk-grow"'], to: [receiver] }
          - { name: copies, on_node: all, to: [copies] }
          - { name: dns, on_node: master, matchers: ['hook=~"instance-.*"', 'phase="post"', 'instance=~"web-4[0-9][.]lab[.]example"'], to: [dns] }
          - { name: action-outcomes, matchers: ['kind="action"'], to: [receiver] }
          - { name: reconciles, matchers: ['kind="reconcile"'], to: [receiver] }
          - { name: jobs, matchers: ['kind="job"'], to: [receiver] }
        actions:
          disk_resize: { timeout: 5s, backoff: { initial: 500ms, max: 2s } }
          cpu_pinning: { timeout: 5s, backoff: { initial: 500ms, max: 2s } }
          shaping: { device: eth0, default_egress: 600mbit, default_ingress: 1gbit, backoff: { initial: 500ms, max: 2s } }
        gates:
          - name: naming
            matchers: ['hook="instance-add"', 'phase="pre"']
            deny_unless: { instance_name: '^(web|db)-[0-9]+\.lab\.example$' }
            on_error: deny
        """;

    public void StartReceiver() => _receiver = Background(1, "/usr/bin/python3", Path.Combine(Dir, "lab_receiver.py"), ReceiverPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ReceivedFile);

    public async Task StopReceiverAsync()
    {
        if (_receiver is { } receiver)
        {
            await StopBackgroundAsync(receiver);
            _receiver = null;
        }
    }

    /// <summary>A command on a node, as root in its namespaces, stdin closed, output merged.</summary>
    public Task<LabRun> InNodeAsync(int node, params string[] command) =>
        RunAsync(Script, ["sh", node.ToString(System.Globalization.CultureInfo.InvariantCulture), .. command], TimeSpan.FromMinutes(3));

    /// <summary>A gnt-* command on the master.</summary>
    public Task<LabRun> GntAsync(params string[] command) => InNodeAsync(1, command);

    /// <summary>A gnt-* command on the master that must succeed; its output is the failure message otherwise.</summary>
    public async Task GntOkAsync(params string[] command)
    {
        var run = await GntAsync(command);
        Assert.True(run.ExitCode == 0, $"{string.Join(' ', command)} exited {run.ExitCode}:\n{run.Output}");
    }

    /// <summary>Every request the receiver has taken so far, as CloudEvents.</summary>
    public IReadOnlyList<JsonElement> Received() => File.Exists(ReceivedFile)
        ? [.. File.ReadAllLines(ReceivedFile).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("body").Clone())]
        : [];

    /// <summary>Waits until the receiver holds an event matching <paramref name="match"/>.</summary>
    public async Task<JsonElement> WaitForEventAsync(string what, Func<JsonElement, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (Received().FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the receiver never got {what}; it has: {string.Join(", ", Received().Select(e => $"{e.GetProperty("type")} {e.GetProperty("subject")}"))}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Whether the cluster runs Ganeti's kvm hypervisor beside fake (ganeti-lab.sh enables it where QEMU is installed).</summary>
    public static bool HasKvm => File.Exists("/usr/bin/kvm");

    /// <summary>What the QEMU Ganeti started for <paramref name="instance"/> on <paramref name="node"/> reports for its disks, through its own query-block.</summary>
    public async Task<Dictionary<string, long>> QemuDiskSizesAsync(int node, string instance)
    {
        var run = await InNodeAsync(node, "python3", QmpQuery.Script, $"/run/ganeti/kvm-hypervisor/ctrl/{instance}.qmp", "query-block");
        Assert.True(run.ExitCode == 0, $"query-block on node{node} for {instance}: {run.Output}");
        return QmpQuery.BlockSizes(run.Output);
    }

    /// <summary>Each vCPU of the QEMU Ganeti started for <paramref name="instance"/> on <paramref name="node"/>: its thread and the CPUs the kernel lets it run on.</summary>
    public async Task<List<(int Vcpu, int Thread, string Cpus)>> VcpuAffinityAsync(int node, string instance)
    {
        var run = await InNodeAsync(node, "python3", QmpQuery.Script, $"/run/ganeti/kvm-hypervisor/ctrl/{instance}.qmp", "query-cpus-fast");
        Assert.True(run.ExitCode == 0, $"query-cpus-fast on node{node} for {instance}: {run.Output}");
        return [.. QmpQuery.VcpuThreads(run.Output).Select(t => (t.Key, t.Value, File.ReadLines($"/proc/{t.Value}/status")
            .Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim()))];
    }

    /// <summary>The taps a node's shaping ledger gives an instance.</summary>
    public IReadOnlyList<string> ShapedTaps(int node, string instance)
    {
        var path = Path.Combine(Dir, $"node{node}", "hookrelay", "shaping.json");
        if (!File.Exists(path))
        {
            return [];
        }
        using var ledger = JsonDocument.Parse(File.ReadAllText(path));
        return ledger.RootElement.TryGetProperty(instance, out var entry)
            ? [.. entry.GetProperty("taps").EnumerateArray().Select(t => t.GetProperty("tap").GetString()!)]
            : [];
    }

    /// <summary>The instances a node's pinning ledger holds.</summary>
    public IReadOnlyList<string> Pinned(int node)
    {
        var path = Path.Combine(Dir, $"node{node}", "hookrelay", "pinning.json");
        if (!File.Exists(path))
        {
            return [];
        }
        using var ledger = JsonDocument.Parse(File.ReadAllText(path));
        return [.. ledger.RootElement.EnumerateObject().Select(p => p.Name)];
    }

    /// <summary>Where the tests' own source tree keeps the captured environments (UPDATE_FIXTURES=1 adds to it).</summary>
    public static string FixturesSource => Path.Combine(Repository.Root, "tests", "HookRelay.Tests", "Fixtures", "envs");

    /// <summary>The copies one node's file sink wrote.</summary>
    public IReadOnlyList<JsonElement> Copies(int node)
    {
        var path = Path.Combine(Dir, $"node{node}", "hookrelay", "copies.jsonl");
        return File.Exists(path) ? [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone())] : [];
    }

    private readonly Process?[] _serves = new Process?[3];

    /// <summary>
    /// `gnt-cluster master-failover` on <paramref name="node"/>, done when the new master's IP is up:
    /// its daemons bring it up after the command returned, so this waits for its master-ip-turnup post run.
    /// </summary>
    public async Task MasterFailoverAsync(int node)
    {
        var runsBefore = HookRuns(node).Count;
        var run = await InNodeAsync(node, "gnt-cluster", "master-failover");
        Assert.True(run.ExitCode == 0, $"gnt-cluster master-failover on node{node} exited {run.ExitCode}:\n{run.Output}");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!HookRuns(node).Skip(runsBefore).Any(r => r.GetProperty("hook").GetString() == "master-ip-turnup" && r.GetProperty("phase").GetString() == "post"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"node{node} became master but ran no master-ip-turnup post hook within 60 s");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// A port on <see cref="Receiver"/> inside node1 that reaches <paramref name="hostPort"/> on this
    /// host's loopback (a service the test runs, such as the NetBox stand-in): a socat in node1 carries
    /// each connection to a socat in this process's network namespace. Stop the process to close it.
    /// </summary>
    public (int Port, Process Bridge) ReachHostFromNode1(int hostPort)
    {
        var port = ServiceProcesses.FreeLoopbackPort();
        var carrier = Path.Combine(Dir, $"to-host-{hostPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}.sh");
        File.WriteAllText(carrier, $"#!/bin/sh\nexec nsenter --net=/proc/{Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/ns/net socat STDIO TCP:127.0.0.1:{hostPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n");
        File.SetUnixFileMode(carrier, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var bridge = Background(1, "socat", $"TCP-LISTEN:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)},bind={Receiver},fork,reuseaddr", $"EXEC:{carrier}");
        return (port, bridge);
    }

    /// <summary>Stops a process the lab started for a test (a bridge), before the lab's own teardown would.</summary>
    public async Task StopBackgroundAsync(Process process)
    {
        await ServiceProcesses.StopAsync(process);
        _started.Remove(process);
    }

    /// <summary>Has a node's daemon read its configuration again (SIGHUP, as `hookrelay install` sends it).</summary>
    public async Task ReloadServeAsync(int node)
    {
        using var status = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(Dir, $"node{node}", "hookrelay", "serve.status.json")));
        var signal = await RunAsync("/bin/kill", ["-HUP", status.RootElement.GetProperty("pid").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(10));
        Assert.True(signal.ExitCode == 0, $"kill -HUP: {signal.Output}");
    }

    /// <summary>Kills a node's daemon as a crash would (SIGKILL, nothing saved on the way out) and starts it again.</summary>
    public async Task CrashAndRestartServeAsync(int node)
    {
        using (var status = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(Dir, $"node{node}", "hookrelay", "serve.status.json"))))
        {
            using var daemon = Process.GetProcessById(status.RootElement.GetProperty("pid").GetInt32());
            daemon.Kill();
            await daemon.WaitForExitAsync();
        }
        await _serves[node]!.WaitForExitAsync();
        _serves[node] = Background(node, $"{Bin}/hookrelay", "serve");
    }

    /// <summary>The hook runs a node's journal recorded (state_dir/hook-runs.jsonl), oldest first.</summary>
    public IReadOnlyList<JsonElement> HookRuns(int node)
    {
        var path = Path.Combine(Dir, $"node{node}", "hookrelay", "hook-runs.jsonl");
        return File.Exists(path) ? [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone())] : [];
    }

    /// <summary>Rows a node's outbox has not delivered: pending, and dead letters if <paramref name="withDead"/>.</summary>
    public async Task<long> UndeliveredAsync(int node, bool withDead = false)
    {
        var status = await InNodeAsync(node, $"{Bin}/hookrelay", "status", "--json");
        Assert.True(status.ExitCode == 0, status.Output);
        using var json = JsonDocument.Parse(status.Output);
        var queue = json.RootElement.GetProperty("queue");
        return queue.GetProperty("pending").GetInt64() + (withDead ? queue.GetProperty("dead").GetInt64() : 0);
    }

    /// <summary>
    /// Waits until neither node's outbox holds a pending row and no daemon has a delivery under way,
    /// or fails naming what is left: counting what arrived is only meaningful after that.
    /// </summary>
    public async Task WaitUntilDeliveredAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = new List<string>();
            for (var node = 1; node <= 2; node++)
            {
                var pending = await UndeliveredAsync(node);
                if (pending > 0)
                {
                    left.Add($"node{node}: {pending} pending");
                }
            }
            if (left.Count == 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the outboxes were not drained within {timeout.TotalSeconds:0} s: {string.Join("; ", left)}");
            await Task.Delay(200);
        }
    }

    /// <summary>Every entry under the node's hooks root with its kind and, for links, the target.</summary>
    public async Task<IReadOnlyList<string>> HooksListingAsync(int node)
    {
        var run = await InNodeAsync(node, "sh", "-c", "cd /etc/ganeti && find hooks -printf '%p %y %l\\n' 2>/dev/null | sort");
        return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private Process Background(int node, params string[] command)
    {
        var start = new ProcessStartInfo(Script, ["sh", node.ToString(System.Globalization.CultureInfo.InvariantCulture), .. command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment["HOOKRELAY_LAB_DIR"] = Dir;
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _started.Add(process);
        return process;
    }

    private async Task<LabRun> RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment["HOOKRELAY_LAB_DIR"] = Dir;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        process.WaitForExit();
        return new LabRun(process.ExitCode, output.ToString(), clock.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var process in _started)
            {
                await ServiceProcesses.StopAsync(process);
            }
        }
        finally
        {
            // Whatever failed above, the cluster goes: it holds namespaces, daemons and mount points.
            await RunAsync(Script, ["down"], TimeSpan.FromMinutes(2));
        }
    }
}
