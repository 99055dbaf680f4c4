using System.Diagnostics;

namespace HookRelay.Tests.Support;

/// <summary>
/// A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port of its own, with its
/// own configuration and storage in a scratch directory, no gossip port; stopped by its pid.
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus-alertmanager";
    private readonly Process _process;
    private readonly TempDir _dir;

    private AlertmanagerServer(Process process, TempDir dir, int port)
    {
        _process = process;
        _dir = dir;
        Url = $"http://127.0.0.1:{port}";
    }

    public string Url { get; }

    public static async Task<AlertmanagerServer> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            RequiredService.SkipOrFail($"Alertmanager ({Binary}, Debian package prometheus-alertmanager)");
        }
        var dir = new TempDir();
        var config = Path.Combine(dir.Path, "alertmanager.yml");
        await File.WriteAllTextAsync(config, "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n");
        var port = ServiceProcesses.FreeLoopbackPort();
        var start = new ProcessStartInfo(Binary,
            [$"--config.file={config}", $"--storage.path={Path.Combine(dir.Path, "data")}", $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new AlertmanagerServer(process, dir, port);
        using var client = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if ((await client.GetAsync($"{server.Url}/-/ready")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException("Alertmanager did not become ready within 20 s");
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ServiceProcesses.StopAsync(_process);
        _dir.Dispose();
    }
}
