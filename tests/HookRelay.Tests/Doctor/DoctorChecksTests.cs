using System.Net;
using System.Net.Sockets;
using HookRelay.Cli;
using HookRelay.Doctor;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Doctor;

/// <summary>`hookrelay doctor` on a scratch node: what it finds, and that each problem comes with the command that fixes it.</summary>
public sealed class DoctorChecksTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Config(int webhookPort) => _dir.File("hookrelay.yaml", $$"""
        state_dir: {{_dir.Path}}/state
        sinks:
          copies: { type: file, path: {{_dir.Path}}/copies.jsonl }
          hook: { type: webhook, url: "http://127.0.0.1:{{webhookPort}}/secret-token-4711" }
        routes:
          - { name: r, on_node: master, matchers: ['hook="instance-add"', 'phase="post"'], to: [copies, hook] }
        """);

    private string HooksRoot => Directory.CreateDirectory(Path.Combine(_dir.Path, "hooks")).FullName;

    [Fact]
    public async Task A_missing_link_and_a_far_end_that_refuses_are_problems_each_with_its_fix()
    {
        var closed = ServiceProcesses.FreeLoopbackPort();
        var output = new StringWriter();

        var exit = await DoctorCommand.RunAsync(Config(closed), HooksRoot, asJson: false, output, TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("fail  hooks", text, StringComparison.Ordinal);
        Assert.Contains("fix: hookrelay install", text, StringComparison.Ordinal);
        Assert.Contains($"fail  sink hook        webhook: 127.0.0.1:{closed}: connection refused", text, StringComparison.Ordinal);
        Assert.Contains("fix: check the far end, then hookrelay test-send hook", text, StringComparison.Ordinal);
        Assert.Contains("ok    sink copies", text, StringComparison.Ordinal);
        Assert.Contains(" clock ", text, StringComparison.Ordinal);
        // A URL may hold a token: only host and port are ever shown.
        Assert.DoesNotContain("secret-token-4711", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_links_in_place_and_the_far_end_listening_every_check_passes_but_the_clock_and_the_daemon()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var config = Config(((IPEndPoint)listener.LocalEndpoint).Port);
        var loaded = global::HookRelay.Rules.ConfigLoader.Load(config);
        var installer = new HookInstaller(HooksRoot, Path.GetFullPath(global::HookRelay.Hook.Binaries.Hook), HookInstaller.DefaultLinkName);
        installer.Apply(installer.PlanInstall(HookInstaller.NeededDirectories(loaded)));

        var findings = await DoctorChecks.RunAsync(config, HooksRoot, TestContext.Current.CancellationToken);

        // No daemon runs here (a warning: hooks start drainers), no outbox yet, and this machine's clock may or may not be synchronised.
        // The route needs instance-add post, and its pre run too (for the operation's duration): two links.
        Assert.All(findings.Where(f => f.Area is not ("daemon" or "clock" or "outbox")), f => Assert.True(f.Verdict == Verdict.Ok, $"{f.Area}: {f.Says}"));
        Assert.Contains(findings, f => f.Area == "hooks" && f.Says.StartsWith("2 links in place", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Area == "daemon" && f.Verdict == Verdict.Warn && f.Fix == "systemctl enable --now hookrelay");
    }

    [Fact]
    public async Task A_configuration_that_does_not_load_stops_the_checks_with_config_check_as_the_fix()
    {
        var broken = _dir.File("broken.yaml", "sinks: { x: { type: webhok } }\n");

        var findings = await DoctorChecks.RunAsync(broken, HooksRoot, TestContext.Current.CancellationToken);

        var finding = Assert.Single(findings);
        Assert.Equal(Verdict.Fail, finding.Verdict);
        Assert.Equal($"hookrelay --config {broken} config check", finding.Fix);
    }

    [Fact]
    public void A_file_written_in_the_future_means_the_clock_went_back()
    {
        var state = Directory.CreateDirectory(Path.Combine(_dir.Path, "state")).FullName;
        var journal = Path.Combine(state, "hook-runs.jsonl");
        File.WriteAllText(journal, "{}\n");
        File.SetLastWriteTimeUtc(journal, DateTime.UtcNow.AddHours(2));

        var finding = Assert.Single(ClockCheck.Run(state), f => f.Verdict == Verdict.Fail);

        Assert.Contains("this clock went back", finding.Says, StringComparison.Ordinal);
    }
}
