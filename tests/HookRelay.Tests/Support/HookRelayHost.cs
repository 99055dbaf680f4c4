using System.Diagnostics;
using System.Text;
using HookRelay.Outbox;
using Microsoft.Data.Sqlite;

namespace HookRelay.Tests.Support;

/// <summary>
/// The published binary in a scratch directory of its own: a config whose state_dir is inside
/// it, hooks run as Ganeti runs them, the CLI, and `hookrelay serve` as a real process.
/// </summary>
public sealed class HookRelayHost : IDisposable
{
    private readonly List<ServeProcess> _serves = [];

    public HookRelayHost()
    {
        Binary = RequiredService.HookRelayBinary();
        HookBinary = RequiredService.HookBinary();
        StateDir = Path.Combine(Dir.Path, "state");
    }

    public TempDir Dir { get; } = new();

    /// <summary>hookrelay: every command.</summary>
    public string Binary { get; }

    /// <summary>hookrelay-hook: what Ganeti runs.</summary>
    public string HookBinary { get; }

    public string StateDir { get; }

    public string ConfigPath => Path.Combine(Dir.Path, "hookrelay.yaml");

    /// <summary>Writes the config: the given YAML plus state_dir, and (unless given) without_daemon: keep so tests drain explicitly.</summary>
    public string Configure(string yaml, bool keepWithoutDaemon = true)
    {
        var delivery = keepWithoutDaemon && !yaml.Contains("delivery:", StringComparison.Ordinal) ? "delivery: { without_daemon: keep }\n" : "";
        File.WriteAllText(ConfigPath, $"state_dir: {StateDir}\n{delivery}{yaml}");
        return ConfigPath;
    }

    /// <param name="hookBinary">Another copy of hookrelay-hook (<see cref="CopyHook"/>) instead of the published one.</param>
    public Task<HookRun> RunHookAsync(string capture, string node = "node1.lab.example", Action<SortedDictionary<string, string>>? change = null,
        IReadOnlyDictionary<string, string>? extraEnv = null, string? hookBinary = null)
    {
        var env = Fixtures.Env(capture);
        change?.Invoke(env);
        var extra = new Dictionary<string, string>
        {
            ["HOOKRELAY_CONFIG"] = ConfigPath,
            ["HOOKRELAY_NODE"] = node,
        };
        foreach (var (key, value) in extraEnv ?? new Dictionary<string, string>())
        {
            extra[key] = value;
        }
        return HookProcess.RunAsync(hookBinary ?? HookBinary, env, extra, TimeSpan.FromSeconds(30));
    }

    /// <summary>The published hookrelay-hook copied into a directory of its own, with hookrelay beside it or not; the copy's path.</summary>
    public string CopyHook(TempDir into, bool withCli)
    {
        foreach (var binary in withCli ? new[] { HookBinary, Binary } : [HookBinary])
        {
            var copy = Path.Combine(into.Path, Path.GetFileName(binary));
            File.Copy(binary, copy);
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        return Path.Combine(into.Path, Path.GetFileName(HookBinary));
    }

    public Task<HookRun> CliAsync(params string[] arguments) =>
        HookProcess.RunAsync(Binary, [.. arguments, "--config", ConfigPath], new Dictionary<string, string>(), new Dictionary<string, string>(), TimeSpan.FromSeconds(60));

    /// <summary>Runs the one-shot drainer to completion.</summary>
    public async Task<HookRun> DrainAsync()
    {
        var run = await CliAsync("serve", "--drain");
        Assert.True(run.ExitCode == 0, $"serve --drain exited {run.ExitCode}: {run.Stderr}");
        return run;
    }

    /// <summary>Starts `hookrelay serve`, through <paramref name="launcher"/> (e.g. nohup, which execs it) if given.</summary>
    public ServeProcess StartServe(IReadOnlyDictionary<string, string>? env = null, string? launcher = null)
    {
        var serve = new ServeProcess(Binary, ConfigPath, env, launcher);
        _serves.Add(serve);
        return serve;
    }

    /// <summary>A read of the outbox through SQLite itself.</summary>
    public long Count(string where)
    {
        using var connection = OutboxDatabase.Open(StateDir, new OutboxOptions(false, TimeSpan.FromSeconds(10), OutboxDatabase.DefaultMaxSizeBytes));
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM deliveries WHERE {where}";
        return (long)command.ExecuteScalar()!;
    }

    public async Task WaitForOutboxAsync(string where, long expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long seen;
        while ((seen = Count(where)) != expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"outbox: expected {expected} rows where {where}, found {seen} after {timeout.TotalSeconds} s");
            }
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        foreach (var serve in _serves)
        {
            serve.Dispose();
        }
        SqliteConnection.ClearAllPools();
        Dir.Dispose();
    }
}

/// <summary>`hookrelay serve` running in the background, its output collected.</summary>
public sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    public ServeProcess(string binary, string config, IReadOnlyDictionary<string, string>? env, string? launcher = null)
    {
        string[] command = launcher is null ? [binary, "serve", "--config", config] : [launcher, binary, "serve", "--config", config];
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits until serve has said <paramref name="text"/>; fails with what it said after 20 s.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"serve never said '{text}': {Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the daemon has bound its wake socket, i.e. is ready to deliver.</summary>
    public async Task WaitReadyAsync(string stateDir)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(Path.Combine(stateDir, "wake.sock")))
        {
            Assert.False(_process.HasExited, $"serve exited early: {Output}");
            Assert.True(DateTime.UtcNow < deadline, $"serve did not become ready: {Output}");
            await Task.Delay(20);
        }
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void KillHard() => _process.Kill();

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
