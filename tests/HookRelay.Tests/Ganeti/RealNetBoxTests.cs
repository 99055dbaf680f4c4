using System.Text.Json;
using System.Text.Json.Nodes;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Ganeti;

/// <summary>
/// The netbox sink and gate driven by the real two-node cluster: the NetBox 4.2.2 stand-in runs
/// in this process, reached from node1 through a bridge; the master's daemon syncs web-50..59's
/// post events to it, the instance-add gate asks it, and `netbox reconcile` reads the real
/// ganeti-rapi. Every request checked against NetBox 4.2.2's OpenAPI contract.
/// </summary>
[Collection(RealGanetiCluster.Name)]
public sealed class RealNetBoxTests(GanetiLab lab)
{
    private const string Os = "noop+default";
    private const string Cluster = "cluster.lab.example";

    private static JsonObject? Find(NetBoxStandIn netbox, string name) =>
        netbox.Objects("virtualization/virtual-machines").FirstOrDefault(vm => vm["name"]!.ToString() == name);

    /// <summary>Waits until NetBox holds <paramref name="name"/> as <paramref name="expected"/> says.</summary>
    private static async Task<JsonObject> HoldsAsync(NetBoxStandIn netbox, string name, Func<JsonObject, bool> expected, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (Find(netbox, name) is { } vm && expected(vm))
            {
                return vm;
            }
            await Task.Delay(300, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"NetBox never held {name} {what}: {Find(netbox, name)?.ToJsonString() ?? "no such VM"}; violations: {string.Join("; ", netbox.Violations)}");
        return null!;
    }

    private async Task<JsonElement> ReconcileAsync(params string[] options)
    {
        var run = await lab.InNodeAsync(1, [$"{lab.Bin}/hookrelay", "netbox", "reconcile", "--json", .. options]);
        // 1 with a plan is an address left alone on another lab instance (other tests' instances are reconciled too).
        Assert.True(run.ExitCode is 0 or 1 && run.Output.Contains("\"sinks\"", StringComparison.Ordinal), $"netbox reconcile exited {run.ExitCode}:\n{run.Output}");
        return JsonDocument.Parse(run.Output[run.Output.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("sinks")[0].Clone();
    }

    private static IEnumerable<JsonElement> ChangesOf(JsonElement report, string instance) =>
        report.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("instance").GetString() == instance);

    [Fact]
    public async Task Add_modify_grow_migrate_rename_and_remove_keep_netbox_true_and_the_gate_asks_it()
    {
        await using var netbox = await NetBoxStandIn.StartAsync();
        var cluster = netbox.Seed("virtualization/clusters", new JsonObject { ["name"] = Cluster });
        netbox.Seed("dcim/devices", new JsonObject { ["name"] = "node1.lab.example", ["cluster"] = cluster });
        netbox.Seed("dcim/devices", new JsonObject { ["name"] = "node2", ["cluster"] = cluster });
        var (port, bridge) = lab.ReachHostFromNode1(new Uri(netbox.Url).Port);
        var config = Path.Combine(lab.EtcOf(1), "hookrelay.yaml");
        await File.WriteAllTextAsync(config, lab.ConfigYaml
            .Replace("sinks:\n", $$"""
                sinks:
                  netbox:
                    type: netbox
                    url: "http://{{GanetiLab.Receiver}}:{{port}}"
                    token: {{NetBoxStandIn.Token}}
                    backoff: { initial: 200ms, max: 1s }
                    rapi: { url: "https://127.0.0.1:5080", user: {{GanetiLab.RapiUser}}, password: "${file:/etc/hookrelay/rapi.password}", certificate: /var/lib/ganeti/rapi.pem }

                """, StringComparison.Ordinal)
            .Replace("routes:\n", """
                routes:
                  - { name: netbox, on_node: master, matchers: ['hook=~"instance-.*|disk-grow"', 'phase="post"', 'instance=~"web-5[0-9][.]lab[.]example"'], to: [netbox] }

                """, StringComparison.Ordinal)
            .Replace("gates:\n", """
                gates:
                  - { name: planned-in-netbox, on_error: deny, matchers: ['hook="instance-add"', 'instance=~"web-5[0-9][.]lab[.]example"'], netbox: { sink: netbox, timeout: 5s } }

                """, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        await lab.ReloadServeAsync(1);
        try
        {
            // Not planned in NetBox: the gate refuses the add, in its words.
            var refused = await lab.GntAsync("gnt-instance", "add", "-t", "diskless", "-o", Os, "-B", "memory=128M", "-n", "node1.lab.example",
                "--no-name-check", "--no-ip-check", "web-59.lab.example");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("holds no planned or staged virtual machine named web-59.lab.example", refused.Output, StringComparison.Ordinal);

            // Planned by an operator (on a site, no cluster yet): allowed, and the sync takes the VM over.
            var planned = netbox.Seed("virtualization/virtual-machines", new JsonObject
            {
                ["name"] = "web-50.lab.example",
                ["status"] = "planned",
                ["comments"] = "ticket 4711",
                ["site"] = netbox.Seed("dcim/sites", new JsonObject { ["name"] = "dc1", ["slug"] = "dc1" }),
            });
            await lab.GntOkAsync("gnt-instance", "add", "-t", "sharedfile", "-o", Os, "--disk", "0:size=1G", "-B", "memory=128M,vcpus=1",
                "--net", "0:ip=192.0.2.50", "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", "web-50.lab.example");
            var added = await HoldsAsync(netbox, "web-50.lab.example", vm => vm["status"]!["value"]!.ToString() == "active" && vm["disk"]?.GetValue<long>() == 1024
                && vm["primary_ip4"] is JsonObject, "active with its disk and address");
            Assert.Equal((planned, cluster, "ticket 4711", "node1.lab.example", 128L, 1m), (added["id"]!.GetValue<long>(), added["cluster"]!["id"]!.GetValue<long>(),
                added["comments"]!.ToString(), added["device"]!["name"]!.ToString(), added["memory"]!.GetValue<long>(), added["vcpus"]!.GetValue<decimal>()));
            var nic = Assert.Single(netbox.Objects("virtualization/interfaces"), n => n["virtual_machine"]!["id"]!.GetValue<long>() == planned);
            Assert.Equal("eth0", nic["name"]!.ToString());
            var mac = Assert.Single(netbox.Objects("dcim/mac-addresses"), m => m["assigned_object_id"]!.GetValue<long>() == nic["id"]!.GetValue<long>());
            var macs = await lab.GntAsync("gnt-instance", "list", "--no-headers", "-o", "nic.macs", "web-50.lab.example");
            Assert.Equal(macs.Output.Trim().ToUpperInvariant(), mac["mac_address"]!.ToString());
            Assert.Equal("192.0.2.50/32", Assert.Single(netbox.Objects("ipam/ip-addresses"), a => a["assigned_object_id"]?.GetValue<long>() == nic["id"]!.GetValue<long>())["address"]!.ToString());

            await lab.GntOkAsync("gnt-instance", "modify", "-B", "vcpus=2", "web-50.lab.example");
            await HoldsAsync(netbox, "web-50.lab.example", vm => vm["vcpus"]!.GetValue<decimal>() == 2, "with 2 vCPUs");

            await lab.GntOkAsync("gnt-instance", "grow-disk", "web-50.lab.example", "0", "256M");
            await HoldsAsync(netbox, "web-50.lab.example", vm => vm["disk"]?.GetValue<long>() == 1280, "with its disk grown to 1280 MB");

            await lab.GntOkAsync("gnt-instance", "migrate", "-f", "web-50.lab.example");
            await HoldsAsync(netbox, "web-50.lab.example", vm => vm["device"]?["name"]?.ToString() == "node2", "on node2's device");

            await lab.GntOkAsync("gnt-instance", "shutdown", "web-50.lab.example");
            await lab.GntOkAsync("gnt-instance", "rename", "--no-ip-check", "web-50.lab.example", "web-52.lab.example");
            var renamed = await HoldsAsync(netbox, "web-52.lab.example", vm => vm["status"]!["value"]!.ToString() == "offline", "renamed and offline");
            Assert.Equal(planned, renamed["id"]!.GetValue<long>());
            Assert.Null(Find(netbox, "web-50.lab.example"));

            // The events made NetBox right: reconcile, reading the real RAPI, plans nothing for web-52.
            Assert.Empty(ChangesOf(await ReconcileAsync("--dry-run"), "web-52.lab.example"));
            // Someone edits the VM behind HookRelay's back: reconcile puts it back.
            using (var http = new HttpClient())
            {
                using var edit = new HttpRequestMessage(HttpMethod.Patch, $"{netbox.Url}/api/virtualization/virtual-machines/{planned}/")
                {
                    Content = new StringContent("""{"vcpus": 8}""", System.Text.Encoding.UTF8, "application/json"),
                };
                edit.Headers.TryAddWithoutValidation("Authorization", $"Token {NetBoxStandIn.Token}");
                Assert.True((await http.SendAsync(edit, TestContext.Current.CancellationToken)).IsSuccessStatusCode);
            }
            var repaired = await ReconcileAsync();
            Assert.Equal("virtual machine web-52.lab.example", Assert.Single(ChangesOf(repaired, "web-52.lab.example")).GetProperty("object").GetString());
            Assert.Equal(2, Find(netbox, "web-52.lab.example")!["vcpus"]!.GetValue<decimal>());
            // What the reconcile changed is an event of its own, routed by kind="reconcile".
            var said = await lab.WaitForEventAsync("the netbox reconcile's event", e => e.GetProperty("type").GetString()!.StartsWith("org.hookrelay.reconcile.", StringComparison.Ordinal)
                && e.GetProperty("subject").GetString() == "netbox");
            Assert.Contains("changes written (", said.GetProperty("data").GetProperty("hookrelay").GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Empty(ChangesOf(await ReconcileAsync("--dry-run"), "web-52.lab.example"));

            await lab.GntOkAsync("gnt-instance", "remove", "-f", "web-52.lab.example");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Find(netbox, "web-52.lab.example") is not null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(300, TestContext.Current.CancellationToken);
            }
            Assert.Null(Find(netbox, "web-52.lab.example"));
            Assert.Empty(netbox.Violations);
        }
        finally
        {
            await File.WriteAllTextAsync(config, lab.ConfigYaml, CancellationToken.None);
            await lab.ReloadServeAsync(1);
            await lab.StopBackgroundAsync(bridge);
        }
    }
}
