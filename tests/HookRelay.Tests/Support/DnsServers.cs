using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace HookRelay.Tests.Support;

/// <summary>
/// Debian's DNS servers as the DNS tests start them, each the way ../shared/reference/services.md
/// found works here: PowerDNS Authoritative with gsqlite3 and its HTTP API, and BIND 9 with a TSIG
/// key allowed to update and transfer its zones. Each on loopback ports of its own; what they serve
/// is checked with `dig` (<see cref="Dig"/>), a client HookRelay did not write.
/// </summary>
public static class DnsServers
{
    public const string ApiKey = "pdns-api-key-2718";
    public const string TsigName = "hookrelay-key";

    /// <summary>The zones every test server serves: the lab's domain, and reverse zones for the captures' addresses (192.0.2.x, 198.51.100.x, 2001:db8::/32).</summary>
    public static readonly string[] Zones = ["lab.example.", "192.in-addr.arpa.", "198.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa."];

    /// <param name="Server">pdns_server; its Port is the DNS port.</param>
    public sealed record PowerDns(BrokerServer Server, int ApiPort)
    {
        public string Api => $"http://127.0.0.1:{ApiPort}";
    }

    public sealed record Bind(BrokerServer Server, string TsigSecret);

    public static async Task<PowerDns> PowerDnsAsync()
    {
        const string schema = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";
        if (!File.Exists(schema))
        {
            RequiredService.SkipOrFail("PowerDNS's gsqlite3 backend (Debian package pdns-backend-sqlite3)");
        }
        var dir = new TempDir();
        var database = Path.Combine(dir.Path, "pdns.sqlite3");
        Run("/usr/bin/python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(open(sys.argv[2]).read()); c.commit()", database, schema);
        var apiPort = ServiceProcesses.FreeLoopbackPort();
        var server = await BrokerServer.StartAsync("pdns", "/usr/sbin/pdns_server", (d, port) =>
        {
            File.WriteAllText(Path.Combine(d.Path, "pdns.conf"), $"""
                launch=gsqlite3
                gsqlite3-database={database}
                local-address=127.0.0.1
                local-port={port}
                api=yes
                api-key={ApiKey}
                webserver=yes
                webserver-address=127.0.0.1
                webserver-port={apiPort}
                webserver-allow-from=127.0.0.0/8
                dnsupdate=yes
                allow-dnsupdate-from=127.0.0.0/8
                socket-dir={d.Path}
                guardian=no
                daemon=no
                loglevel=4
                """);
            return [$"--config-dir={d.Path}"];
        }, dir);
        var pdns = new PowerDns(server, apiPort);
        try
        {
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
            await ApiReadyAsync(http, pdns);
            foreach (var zone in Zones)
            {
                var created = await http.PostAsync(new Uri($"{pdns.Api}/api/v1/servers/localhost/zones"), JsonContent.Create(new JsonObject
                {
                    ["name"] = zone,
                    ["kind"] = "Native",
                    ["nameservers"] = new JsonArray("ns1.lab.example."),
                }), TestContext.Current.CancellationToken);
                Assert.True(created.IsSuccessStatusCode, $"PowerDNS refused zone {zone}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            }
        }
        catch
        {
            // A server whose set-up failed is stopped here: no test will dispose of it.
            await server.DisposeAsync();
            throw;
        }
        return pdns;
    }

    /// <summary>The DNS port answering is not the API answering: PowerDNS starts its webserver after it. Waits for the API.</summary>
    private static async Task ApiReadyAsync(HttpClient http, PowerDns pdns)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var answer = await http.GetAsync(new Uri($"{pdns.Api}/api/v1/servers/localhost"), TestContext.Current.CancellationToken);
                if (answer.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            Assert.True(DateTime.UtcNow < deadline, $"PowerDNS's API did not answer on {pdns.Api}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// PowerDNS taking RFC 2136 updates and AXFR signed with a TSIG key (hmac-sha256) it was given
    /// through its API, allowed to update and transfer every test zone.
    /// </summary>
    public static async Task<(PowerDns Server, string TsigSecret)> PowerDnsWithTsigAsync()
    {
        var pdns = await PowerDnsAsync();
        try
        {
            var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
            var token = TestContext.Current.CancellationToken;
            async Task Ok(HttpResponseMessage answer, string what) =>
                Assert.True(answer.IsSuccessStatusCode, $"PowerDNS refused {what}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(token)}");
            await Ok(await http.PostAsync(new Uri($"{pdns.Api}/api/v1/servers/localhost/tsigkeys"), JsonContent.Create(new JsonObject
            {
                ["name"] = TsigName,
                ["algorithm"] = "hmac-sha256",
                ["key"] = secret,
            }), token), "the TSIG key");
            foreach (var zone in Zones)
            {
                await Ok(await http.PutAsync(new Uri($"{pdns.Api}/api/v1/servers/localhost/zones/{zone}/metadata/TSIG-ALLOW-DNSUPDATE"), JsonContent.Create(new JsonObject
                {
                    ["metadata"] = new JsonArray(TsigName),
                }), token), $"TSIG-ALLOW-DNSUPDATE for {zone}");
                // The API keeps TSIG-ALLOW-AXFR to itself: a zone's primary TSIG keys are what sets it.
                await Ok(await http.PutAsync(new Uri($"{pdns.Api}/api/v1/servers/localhost/zones/{zone}"), JsonContent.Create(new JsonObject
                {
                    ["master_tsig_key_ids"] = new JsonArray(TsigName + "."),
                }), token), $"the transfer key of {zone}");
            }
            return (pdns, secret);
        }
        catch
        {
            await pdns.Server.DisposeAsync();
            throw;
        }
    }

    public static async Task<Bind> BindAsync()
    {
        if (!File.Exists("/usr/sbin/named") || !File.Exists("/usr/sbin/tsig-keygen"))
        {
            RequiredService.SkipOrFail("BIND 9 (Debian packages bind9, bind9-utils)");
        }
        var dir = new TempDir();
        var key = Run("/usr/sbin/tsig-keygen", "-a", "hmac-sha256", TsigName);
        var secret = key.Split('"')[3];
        File.WriteAllText(Path.Combine(dir.Path, "key.conf"), key);
        foreach (var zone in Zones)
        {
            File.WriteAllText(Path.Combine(dir.Path, zone + "db"), $"""
                $TTL 300
                @ IN SOA ns1.lab.example. hostmaster.lab.example. 1 3600 600 86400 300
                @ IN NS ns1.lab.example.

                """ + (zone == "lab.example." ? "ns1 IN A 192.0.2.253\n" : ""));
        }
        var server = await BrokerServer.StartAsync("named", "/usr/sbin/named", (d, port) =>
        {
            var zones = string.Concat(Zones.Select(zone => $$"""
                zone "{{zone.TrimEnd('.')}}" {
                    type primary;
                    file "{{d.Path}}/{{zone}}db";
                    update-policy { grant {{TsigName}} zonesub ANY; };
                    allow-transfer { key {{TsigName}}; };
                };

                """));
            File.WriteAllText(Path.Combine(d.Path, "named.conf"), $$"""
                include "{{d.Path}}/key.conf";
                options {
                    directory "{{d.Path}}";
                    listen-on port {{port}} { 127.0.0.1; };
                    listen-on-v6 { none; };
                    pid-file "{{d.Path}}/named.pid";
                    recursion no;
                    dnssec-validation no;
                };
                controls { };
                {{zones}}
                """);
            Run("/bin/chown", "-R", "bind:bind", d.Path);
            return ["-g", "-u", "bind", "-c", Path.Combine(d.Path, "named.conf")];
        }, dir);
        try
        {
            await ZonesLoadedAsync(server.Port);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return new Bind(server, secret);
    }

    /// <summary>
    /// named listens before it has loaded its zones, and answers a zone it has not loaded yet with
    /// SERVFAIL (seen once under the full suite, on the first transfer): wait until each answers its SOA.
    /// </summary>
    private static async Task ZonesLoadedAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        foreach (var zone in Zones)
        {
            while (Status(port, zone, "SOA") != "NOERROR")
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"BIND on port {port} did not load zone {zone} within 20 s: {Status(port, zone, "SOA")}");
                }
                await Task.Delay(50);
            }
        }
    }

    /// <summary>What `dig` gets from the server for NAME TYPE: the answer's values, sorted ("" when there is none).</summary>
    public static string Dig(int port, string name, string type)
    {
        var said = Run("/usr/bin/dig", "@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "+short", "+norecurse", "+tries=1", "+time=3", name, type);
        return string.Join(" ", said.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }

    /// <summary>The response code `dig` reports for NAME TYPE (NOERROR, NXDOMAIN...).</summary>
    public static string Status(int port, string name, string type)
    {
        var said = Run("/usr/bin/dig", "@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "+norecurse", "+tries=1", "+time=3", name, type);
        var marker = "status: ";
        var at = said.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? said : said[(at + marker.Length)..].Split(',')[0];
    }

    /// <summary>Records written by BIND's own nsupdate (someone else's records, as far as HookRelay knows), signed with the test key.</summary>
    public static void Nsupdate(Bind bind, string commands)
    {
        var script = $"server 127.0.0.1 {bind.Server.Port}\n{commands}\nsend\n";
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/nsupdate", ["-y", $"hmac-sha256:{TsigName}:{bind.TsigSecret}"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        var said = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"nsupdate failed: {said}");
    }

    /// <summary>An RRset written through PowerDNS's API by the test (someone else's records, as far as HookRelay knows).</summary>
    public static async Task PatchAsync(PowerDns pdns, string zone, string name, string type, string content)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        var rrset = new JsonObject
        {
            ["name"] = name,
            ["type"] = type,
            ["ttl"] = 300,
            ["changetype"] = "REPLACE",
            ["records"] = new JsonArray(new JsonObject { ["content"] = content, ["disabled"] = false }),
        };
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"{pdns.Api}/api/v1/servers/localhost/zones/{zone}"))
        {
            Content = JsonContent.Create(new JsonObject { ["rrsets"] = new JsonArray(rrset) }),
        };
        var answer = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(answer.IsSuccessStatusCode, $"PowerDNS refused the test's own write: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
    }

    /// <summary>How many messages BIND sends a signed AXFR of <paramref name="zone"/> in, as dig reports it.</summary>
    public static int AxfrMessages(Bind bind, string zone)
    {
        var said = Run("/usr/bin/dig", "@127.0.0.1", "-p", bind.Server.Port.ToString(CultureInfo.InvariantCulture), "-y", $"hmac-sha256:{TsigName}:{bind.TsigSecret}", zone, "AXFR");
        // ";; XFR size: 4806 records (messages 7, bytes 182345)"
        var marker = "(messages ";
        var at = said.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, said[^Math.Min(500, said.Length)..]);
        return int.Parse(said[(at + marker.Length)..].Split(',')[0], CultureInfo.InvariantCulture);
    }

    private static string Run(string program, params string[] arguments)
    {
        if (!File.Exists(program))
        {
            RequiredService.SkipOrFail(program);
        }
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {error}{output}");
        return output;
    }
}
