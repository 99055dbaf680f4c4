using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Web;

/// <summary>
/// Debian's Prometheus, a client HookRelay did not write: it scrapes a real `hookrelay serve` with
/// the bearer token and its query API returns HookRelay's series; promtool checks the shipped
/// alerting rules against their unit tests.
/// </summary>
public sealed class PrometheusTests : IAsyncDisposable
{
    private const string Prometheus = "/usr/bin/prometheus";
    private const string Promtool = "/usr/bin/promtool";
    private readonly HookRelayHost _host = new();
    private Process? _prometheus;

    public async ValueTask DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await ServiceProcesses.StopAsync(_prometheus);
        }
        _host.Dispose();
    }

    private static void Require(string tool)
    {
        if (!File.Exists(tool))
        {
            RequiredService.SkipOrFail($"{tool} (Debian package prometheus)");
        }
    }

    [Fact]
    public async Task Prometheus_scrapes_the_daemon_with_the_token_and_queries_its_series()
    {
        Require(Prometheus);
        var port = ServiceProcesses.FreeLoopbackPort();
        var tokenFile = Path.Combine(_host.Dir.Path, "web-token");
        await File.WriteAllTextAsync(tokenFile, "a-long-random-token\n", TestContext.Current.CancellationToken);
        _host.Configure($$"""
            web: { listen: "127.0.0.1:{{port}}", token: "${file:{{tokenFile}}}" }
            sinks:
              dump: { type: file, path: {{Path.Combine(_host.Dir.Path, "events.jsonl")}} }
            routes: [ { name: all, on_node: all, to: [dump] } ]
            """);
        using var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01")).ExitCode);
        }

        var promPort = ServiceProcesses.FreeLoopbackPort();
        var config = Path.Combine(_host.Dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config, $$"""
            global: { scrape_interval: 1s, scrape_timeout: 1s }
            scrape_configs:
              - job_name: hookrelay
                static_configs: [ { targets: ["127.0.0.1:{{port}}"] } ]
                authorization: { credentials_file: {{tokenFile}} }
            """, TestContext.Current.CancellationToken);
        _prometheus = Process.Start(new ProcessStartInfo(Prometheus)
        {
            ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_host.Dir.Path, "tsdb")}", $"--web.listen-address=127.0.0.1:{promPort}" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        _prometheus.ErrorDataReceived += (_, _) => { };
        _prometheus.BeginErrorReadLine();
        _prometheus.BeginOutputReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement runs = default, up = default;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            try
            {
                runs = await QueryAsync(http, promPort, "hookrelay_hook_runs_total");
                up = await QueryAsync(http, promPort, "up{job=\"hookrelay\"}");
            }
            catch (HttpRequestException)
            {
                continue;
            }
            if (runs.GetArrayLength() > 0 && up.GetArrayLength() > 0)
            {
                break;
            }
        }
        Assert.True(runs.ValueKind == JsonValueKind.Array && runs.GetArrayLength() == 1, $"Prometheus has no hookrelay_hook_runs_total: {runs}");
        var series = runs[0];
        Assert.Equal("instance-migrate", series.GetProperty("metric").GetProperty("hook").GetString());
        Assert.Equal("queued", series.GetProperty("metric").GetProperty("outcome").GetString());
        Assert.Equal("2", series.GetProperty("value")[1].GetString());
        Assert.Equal("1", up[0].GetProperty("value")[1].GetString());
        var delivered = await QueryAsync(http, promPort, "hookrelay_deliveries_total{outcome=\"delivered\"}");
        Assert.Equal("dump", delivered[0].GetProperty("metric").GetProperty("sink").GetString());
    }

    private static async Task<JsonElement> QueryAsync(HttpClient http, int port, string query)
    {
        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/api/v1/query?query={Uri.EscapeDataString(query)}";
        using var document = JsonDocument.Parse(await http.GetStringAsync(url, TestContext.Current.CancellationToken));
        return document.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    [Fact]
    public async Task The_shipped_alerting_rules_pass_their_promtool_unit_tests()
    {
        Require(Promtool);
        var examples = Path.Combine(Repository.Root, "examples", "prometheus");
        using var promtool = Process.Start(new ProcessStartInfo(Promtool)
        {
            ArgumentList = { "test", "rules", "hookrelay-alerts.test.yml" },
            WorkingDirectory = examples,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await promtool.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)
            + await promtool.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await promtool.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(promtool.ExitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }
}
