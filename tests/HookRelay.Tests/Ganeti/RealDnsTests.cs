using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Ganeti;

/// <summary>
/// Instance records kept by the powerdns sink from a real cluster's hooks (the lab's route sends
/// web-40..49's post events to the PowerDNS running in node1), checked with dig in node1; and
/// `dns reconcile` reading the cluster from the master's real ganeti-rapi (basic auth, its
/// self-signed certificate pinned from /var/lib/ganeti/rapi.pem).
/// </summary>
[Collection(RealGanetiCluster.Name)]
public sealed class RealDnsTests(GanetiLab lab)
{
    private const string Os = "noop+default";

    private Task Gnt(params string[] command) => lab.GntOkAsync(command);

    /// <summary>Waits until dig in node1 answers NAME TYPE with <paramref name="expected"/> ("" for no record).</summary>
    private async Task SeesAsync(string name, string type, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string seen;
        while ((seen = await lab.DigAsync(name, type)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
        }
        Assert.True(seen == expected, $"dig {name} {type}: '{seen}', expected '{expected}'");
    }

    private async Task<JsonElement> ReconcileAsync()
    {
        var run = await lab.InNodeAsync(1, $"{lab.Bin}/hookrelay", "dns", "reconcile", "--json");
        Assert.True(run.ExitCode == 0, $"dns reconcile exited {run.ExitCode}:\n{run.Output}");
        var sink = JsonDocument.Parse(run.Output[run.Output.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("sinks")[0];
        Assert.Equal(0, sink.GetProperty("conflicts").GetArrayLength());
        return sink.Clone();
    }

    [Fact]
    public async Task Add_modify_rename_and_remove_keep_the_instances_records_and_reconcile_reads_the_real_rapi()
    {
        if (!GanetiLab.HasPowerDns)
        {
            RequiredService.SkipOrFail("PowerDNS (Debian packages pdns-server, pdns-backend-sqlite3)");
        }
        await Gnt("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "--net", "0:ip=192.0.2.40", "-n", "node1.lab.example",
            "--no-name-check", "--no-ip-check", "web-40.lab.example");
        await SeesAsync("web-40.lab.example", "A", "192.0.2.40");
        await SeesAsync("40.2.0.192.in-addr.arpa", "PTR", "web-40.lab.example.");

        await Gnt("gnt-instance", "modify", "--net", "0:modify,ip=192.0.2.41", "web-40.lab.example");
        await SeesAsync("web-40.lab.example", "A", "192.0.2.41");
        await SeesAsync("41.2.0.192.in-addr.arpa", "PTR", "web-40.lab.example.");
        await SeesAsync("40.2.0.192.in-addr.arpa", "PTR", "");

        await Gnt("gnt-instance", "shutdown", "web-40.lab.example");
        await Gnt("gnt-instance", "rename", "--no-ip-check", "web-40.lab.example", "web-42.lab.example");
        await SeesAsync("web-42.lab.example", "A", "192.0.2.41");
        await SeesAsync("web-40.lab.example", "A", "");
        await SeesAsync("41.2.0.192.in-addr.arpa", "PTR", "web-42.lab.example.");

        // The events made DNS right: reconcile, reading every instance from the real RAPI, has nothing to do.
        var inSync = await ReconcileAsync();
        Assert.True(inSync.GetProperty("instances").GetInt32() >= 1);
        Assert.Equal(0, inSync.GetProperty("changes").GetArrayLength());
        // Someone deletes the A record behind HookRelay's back: reconcile puts it back, and only it.
        var deleted = await lab.PdnsUtilAsync("delete-rrset", "lab.example", "web-42", "A");
        Assert.True(deleted.ExitCode == 0, deleted.Output);
        await SeesAsync("web-42.lab.example", "A", "");
        var repaired = await ReconcileAsync();
        var change = Assert.Single(repaired.GetProperty("changes").EnumerateArray());
        Assert.Equal("web-42.lab.example.", change.GetProperty("name").GetString());
        Assert.Equal("A", change.GetProperty("type").GetString());
        await SeesAsync("web-42.lab.example", "A", "192.0.2.41");
        // What the reconcile changed is an event of its own, routed by kind="reconcile".
        var said = await lab.WaitForEventAsync("the reconcile's event", e => e.GetProperty("type").GetString() == "org.hookrelay.reconcile.changed" && e.GetProperty("subject").GetString() == "dns");
        Assert.Equal("dns", said.GetProperty("subject").GetString());
        Assert.Equal("ganeti://cluster.lab.example", said.GetProperty("source").GetString());
        Assert.Equal("1 RRsets written (1 create)", said.GetProperty("data").GetProperty("hookrelay").GetProperty("reason").GetString());
        Assert.Equal(0, (await ReconcileAsync()).GetProperty("changes").GetArrayLength());

        await Gnt("gnt-instance", "remove", "-f", "web-42.lab.example");
        await SeesAsync("web-42.lab.example", "A", "");
        await SeesAsync("41.2.0.192.in-addr.arpa", "PTR", "");
        await SeesAsync("_hookrelay.web-42.lab.example", "TXT", "");
    }
}
