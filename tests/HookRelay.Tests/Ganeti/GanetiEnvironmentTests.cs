using System.Text.Json;
using System.Text.RegularExpressions;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Ganeti;

/// <summary>
/// The environments real Ganeti gives the hooks the suite fires, against the captured ones the
/// parser is tested on (Fixtures/envs): a hooks path and phase without a capture, or a variable
/// no capture of it has, is news the parser has not seen. UPDATE_FIXTURES=1 adds such runs to
/// the fixtures (then UPDATE_GOLDEN=1 writes their golden events, to be read and committed).
/// </summary>
[Collection(RealGanetiCluster.Name)]
public sealed partial class GanetiEnvironmentTests(GanetiLab lab)
{
    private const string Os = "noop+default";

    // Variable names with their indices and node names made alike: DISK0_SIZE and DISK1_SIZE are one variable.
    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();

    private static string Normalised(string key) => Digits().Replace(key, "#");

    [Fact]
    public async Task Every_hooks_path_fired_has_a_capture_with_the_same_variables()
    {
        await Tour();
        var copies = new[] { 1, 2 }.SelectMany(n => lab.Copies(n).Select(e => (Node: n, Event: e))).ToList();
        // A comparison over no copies would pass having compared nothing: every path the tour
        // fired must be there, from the master at least.
        var fired = copies.Where(c => c.Node == 1).Select(c => c.Event.GetProperty("type").GetString()).ToHashSet(StringComparer.Ordinal);
        var absent = TourPaths.SelectMany(p => new[] { $"org.ganeti.{p}.pre", $"org.ganeti.{p}.post" }).Where(t => !fired.Contains(t)).ToList();
        Assert.True(absent.Count == 0, $"node1's copies lack {string.Join(", ", absent)}");
        foreach (var (node, ev) in copies)
        {
            var what = $"{ev.GetProperty("type").GetString()} on node{node}";
            Assert.False(string.IsNullOrEmpty(ev.TryGetProperty("subject", out var subject) ? subject.GetString() : null), $"{what} has no subject");
            // The cluster's name: its own, or the one it had for a moment during the rename.
            Assert.Contains(ev.GetProperty("data").GetProperty("cluster").GetString(), new[] { "cluster.lab.example", "cluster-b.lab.example" });
            using var view = new HookRelay.Sinks.Messages.EventView(ev);
            var sentence = HookRelay.Sinks.Messages.DefaultMessages.For(view).ToString();
            Assert.False(sentence.Contains('?', StringComparison.Ordinal) || sentence.Contains("(no target)", StringComparison.Ordinal), $"{what}: {sentence}");
        }
        var known = Fixtures.CaptureNames()
            .Select(c => (Name: c, Env: Fixtures.Env(c)))
            .GroupBy(c => $"{c.Env["GANETI_HOOKS_PATH"]}-{c.Env["GANETI_HOOKS_PHASE"]}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(c => c.Env.Keys).Select(Normalised).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var news = new List<string>();
        foreach (var (node, ev) in copies)
        {
            var env = ev.GetProperty("data").GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            var path = $"{env["GANETI_HOOKS_PATH"]}-{env["GANETI_HOOKS_PHASE"]}";
            var unseen = known.TryGetValue(path, out var keys) ? env.Keys.Where(k => !keys.Contains(Normalised(k))).Order(StringComparer.Ordinal).ToList() : null;
            if (unseen is { Count: 0 })
            {
                continue;
            }
            news.Add(unseen is null ? $"{path} (on node{node}): no capture" : $"{path} (on node{node}): {string.Join(", ", unseen)}");
            if (Regenerate.Fixtures)
            {
                AddFixture(path, node, env);
            }
            // One new capture per kind is enough; the next comparison counts it.
            known[path] = [.. (keys ?? []).Concat(env.Keys.Select(Normalised))];
        }
        Assert.True(news.Count == 0, "environments the captures do not have (UPDATE_FIXTURES=1 adds them):\n" + string.Join("\n", news));
    }

    /// <summary>The hooks paths the tour below fires, pre and post each.</summary>
    private static readonly string[] TourPaths =
    [
        "instance-add", "instance-stop", "instance-start", "instance-reboot", "instance-modify", "disk-grow", "instance-migrate",
        "instance-failover", "instance-reinstall", "instance-rename", "instance-remove", "group-add", "group-rename", "group-remove",
        "network-add", "network-connect", "network-disconnect", "network-remove", "node-modify", "cluster-modify",
        "node-migrate", "instance-export", "group-modify", "network-modify", "master-ip-turndown", "master-ip-turnup",
        "instance-move", "cluster-rename",
    ];

    /// <summary>The operations of an operator's ordinary week, each firing its hooks on the nodes Ganeti chooses.</summary>
    private async Task Tour()
    {
        // Not here: gnt-node evacuate and powercycle run no hooks (NoHooksLU); change-group and
        // recreate-disks fail on the lab's sharedfile storage before their hooks; group evacuate
        // fails before its hooks too (the hail iallocator answers an empty OpExecError here).
        string[][] steps =
        [
            ["gnt-instance", "add", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M,vcpus=1", "--net", "0",
                "-n", "node1.lab.example", "--tags", "web,env:prod", "--no-name-check", "--no-ip-check", "web-21.lab.example"],
            ["gnt-instance", "shutdown", "web-21.lab.example"],
            ["gnt-instance", "startup", "web-21.lab.example"],
            ["gnt-instance", "reboot", "--type=hard", "web-21.lab.example"],
            ["gnt-instance", "modify", "-B", "memory=256M", "web-21.lab.example"],
            ["gnt-instance", "grow-disk", "web-21.lab.example", "0", "256M"],
            ["gnt-instance", "migrate", "-f", "web-21.lab.example"],
            ["gnt-node", "migrate", "-f", "node2.lab.example"],
            ["gnt-instance", "failover", "-f", "web-21.lab.example"],
            ["gnt-backup", "export", "--long-sleep", "-n", "node1.lab.example", "web-21.lab.example"],
            ["gnt-backup", "remove", "web-21.lab.example"],
            ["gnt-instance", "shutdown", "web-21.lab.example"],
            ["gnt-instance", "reinstall", "-f", "-o", Os, "web-21.lab.example"],
            ["gnt-instance", "rename", "--no-ip-check", "web-21.lab.example", "web-22.lab.example"],
            ["gnt-instance", "remove", "-f", "web-22.lab.example"],
            // Moving copies the disk between nodes (socat, Ganeti's import/export): a plain file disk, not a shared one.
            ["gnt-instance", "add", "-t", "file", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M", "-n", "node1.lab.example",
                "--no-name-check", "--no-ip-check", "web-24.lab.example"],
            ["gnt-instance", "move", "-f", "-n", "node2.lab.example", "web-24.lab.example"],
            ["gnt-instance", "remove", "-f", "web-24.lab.example"],
            ["gnt-group", "add", "grp-e2e"],
            ["gnt-group", "modify", "--alloc-policy=last_resort", "grp-e2e"],
            ["gnt-group", "rename", "grp-e2e", "grp-e2f"],
            ["gnt-group", "remove", "grp-e2f"],
            ["gnt-network", "add", "--network", "192.0.2.0/24", "--gateway", "192.0.2.1", "net-e2e"],
            ["gnt-network", "modify", "--gateway", "192.0.2.254", "net-e2e"],
            ["gnt-network", "connect", "--nic-parameters", "mode=bridged,link=gnt0", "net-e2e", "default"],
            ["gnt-network", "disconnect", "net-e2e", "default"],
            ["gnt-network", "remove", "net-e2e"],
            ["gnt-node", "modify", "--drained=yes", "node2.lab.example"],
            ["gnt-node", "modify", "--drained=no", "node2.lab.example"],
            ["gnt-cluster", "modify", "--candidate-pool-size", "11"],
        ];
        foreach (var step in steps)
        {
            var run = await lab.GntAsync(step);
            Assert.True(run.ExitCode == 0, $"{string.Join(' ', step)} exited {run.ExitCode}:\n{run.Output}");
        }
        // A master failover and back: master-ip-turndown on the old master, turnup on the new one.
        foreach (var node in new[] { 2, 1 })
        {
            await lab.MasterFailoverAsync(node);
        }
        // A cluster rename and back: the lab's hosts file gives cluster-b.lab.example a master IP of
        // its own (Ganeti resolves the new name and refuses one that comes back as the old name).
        foreach (var name in new[] { "cluster-b.lab.example", "cluster.lab.example" })
        {
            var run = await lab.GntAsync("gnt-cluster", "rename", "-f", name);
            Assert.True(run.ExitCode == 0, $"gnt-cluster rename {name} exited {run.ExitCode}:\n{run.Output}");
        }
        // The copies are written by each node's daemon: compare only once both outboxes are drained.
        await lab.WaitUntilDeliveredAsync(TimeSpan.FromSeconds(60));
    }

    private static void AddFixture(string path, int node, Dictionary<string, string> env)
    {
        var name = Enumerable.Range(1, 99).Select(i => $"{path}-node{node}-e2e{i:00}.json")
            .First(n => !File.Exists(Path.Combine(GanetiLab.FixturesSource, n)));
        using var stream = File.Create(Path.Combine(GanetiLab.FixturesSource, name));
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("source", "HookRelay's end-to-end suite (tests/HookRelay.Tests/Ganeti), Ganeti 3.0 from Debian 12");
        writer.WriteString("hpath", env["GANETI_HOOKS_PATH"]);
        writer.WriteString("phase", env["GANETI_HOOKS_PHASE"]);
        writer.WriteString("node", $"node{node}.lab.example");
        writer.WriteStartObject("env");
        writer.WriteString("PATH", "/sbin:/bin:/usr/sbin:/usr/bin");
        writer.WriteString("LC_CTYPE", "C.UTF-8");
        foreach (var (key, value) in env.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key, value);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
