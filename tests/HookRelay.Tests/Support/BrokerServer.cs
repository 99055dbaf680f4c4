using System.Diagnostics;
using System.Net.Sockets;

namespace HookRelay.Tests.Support;

/// <summary>
/// A real broker (mosquitto, nats-server, RabbitMQ) started by a test on loopback ports of its
/// own, with its state in a scratch directory; ready once its port answers; stopped by the pids
/// it started (<see cref="ServiceProcesses.StopAsync"/>), never by name. <see cref="RestartAsync"/>
/// stops and starts it on the same port and state, for tests of a broker that goes away.
/// </summary>
public sealed class BrokerServer : IAsyncDisposable
{
    private readonly Func<Process> _start;
    private readonly Func<Task>? _stop;
    private readonly List<Process> _helpers = [];
    private Process _process;
    private bool _running = true;

    private BrokerServer(string name, TempDir dir, int port, Func<Process> start, Func<Task>? stop)
    {
        Name = name;
        Dir = dir;
        Port = port;
        _start = start;
        _stop = stop;
        _process = start();
    }

    public string Name { get; }

    public TempDir Dir { get; }

    public int Port { get; }

    public string Log => Path.Combine(Dir.Path, $"{Name}.log");

    /// <summary>Starts <paramref name="program"/> and waits until <paramref name="port"/> accepts connections.</summary>
    public static async Task<BrokerServer> StartAsync(string name, string program, Func<TempDir, int, string[]> arguments, TempDir? dir = null, int? port = null,
        IReadOnlyDictionary<string, string>? environment = null, Func<Task>? stop = null, TimeSpan? ready = null)
    {
        if (!File.Exists(program))
        {
            RequiredService.SkipOrFail($"{name} ({program})");
        }
        dir ??= new TempDir();
        var chosen = port ?? ServiceProcesses.FreeLoopbackPort();
        var log = Path.Combine(dir.Path, $"{name}.log");
        Process Start()
        {
            var start = new ProcessStartInfo(program, arguments(dir, chosen)) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.Path };
            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[key] = value;
            }
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, e) => Append(log, e.Data);
            process.ErrorDataReceived += (_, e) => Append(log, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }
        var server = new BrokerServer(name, dir, chosen, Start, stop);
        await server.WaitReadyAsync(ready ?? TimeSpan.FromSeconds(20));
        return server;
    }

    private static void Append(string log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                File.AppendAllText(log, line + "\n");
            }
        }
    }

    /// <summary>A helper process the broker needs (RabbitMQ's epmd), stopped with it.</summary>
    public void Keep(Process helper) => _helpers.Add(helper);

    private async Task WaitReadyAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
            }
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                var said = File.Exists(Log) ? File.ReadAllText(Log) : "";
                await DisposeAsync();
                Assert.Fail($"{Name} did not listen on 127.0.0.1:{Port}: {said[Math.Max(0, said.Length - 2000)..]}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>After a graceful stop failed: the broker's process killed by its pid all the same. Never true: the failure goes on.</summary>
    private bool KillLeft()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited and disposed.
        }
        return false;
    }

    /// <summary>Gone, then back on the same port and state.</summary>
    public async Task StopAsync()
    {
        if (!_running)
        {
            return;
        }
        _running = false;
        if (_stop is not null)
        {
            await _stop();
        }
        await ServiceProcesses.StopAsync(_process);
    }

    public async Task StartAgainAsync()
    {
        _process = _start();
        _running = true;
        await WaitReadyAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception) when (KillLeft())
        {
        }
        finally
        {
            foreach (var helper in _helpers)
            {
                await ServiceProcesses.StopAsync(helper);
            }
            Dir.Dispose();
        }
    }
}
