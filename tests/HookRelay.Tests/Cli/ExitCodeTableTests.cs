using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

/// <summary>
/// The README's exit-code table, a case for each of its cells, run through the published binary:
/// 0 done, 1 failed (config, outbox, sink, a named thing that is not there), 2 bad command line.
/// </summary>
public sealed class ExitCodeTableTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _binary = RequiredService.HookRelayBinary();

    public ExitCodeTableTests()
    {
        var down = ServiceProcesses.FreeLoopbackPort();
        _dir.File("ok.yaml", $$"""
            state_dir: {{_dir.Path}}/state
            sinks:
              f: { type: file, path: {{_dir.Path}}/out.jsonl }
              down: { type: webhook, url: "http://127.0.0.1:{{down}}/", timeout: 1s }
            routes: [ { name: all, to: [f] } ]
            """);
        _dir.File("bad.yaml", "routes: [ { name: x, to: [nowhere] } ]\n");
        Directory.CreateDirectory(Path.Combine(_dir.Path, "hooks"));
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(0, "config check -c {ok}")]
    [InlineData(1, "config check -c {bad}")]
    [InlineData(2, "config check --nope -c {ok}")]
    [InlineData(0, "simulate instance-start --phase post -c {ok}")]
    [InlineData(1, "simulate instance-start --env-file {dir}/missing.env -c {ok}")]
    [InlineData(2, "simulate instance-teleport -c {ok}")]
    [InlineData(0, "install --dry-run --hooks-root {dir}/hooks -c {ok}")]
    [InlineData(1, "install --hooks-root {dir}/no-such-root -c {ok}")]
    [InlineData(2, "uninstall --create-root -c {ok}")]
    [InlineData(1, "serve -c {bad}")]
    [InlineData(0, "serve --drain -c {ok}")]
    [InlineData(0, "status -c {ok}")]
    [InlineData(1, "status -c {bad}")]
    [InlineData(2, "status --nope -c {ok}")]
    [InlineData(0, "dlq list -c {ok}")]
    [InlineData(0, "dlq replay --all -c {ok}")]
    [InlineData(1, "dlq replay 12345 -c {ok}")]
    [InlineData(2, "dlq replay -c {ok}")]
    [InlineData(2, "dlq drop 1 --all -c {ok}")]
    [InlineData(0, "replay --since 2h -c {ok}")]
    [InlineData(1, "replay --since 2h -c {bad}")]
    [InlineData(2, "replay --since yesterday-ish -c {ok}")]
    [InlineData(0, "test-send f -c {ok}")]
    [InlineData(1, "test-send down -c {ok}")]
    [InlineData(1, "test-send nosuch -c {ok}")]
    [InlineData(2, "test-send f --hook instance-teleport -c {ok}")]
    [InlineData(0, "pin status -c {ok}")]
    [InlineData(1, "pin status -c {bad}")]
    [InlineData(2, "pin sideways -c {ok}")]
    [InlineData(0, "version -c {ok}")]
    [InlineData(0, "version -c {bad}")]
    public async Task Each_command_exits_as_the_readme_table_says(int exit, string commandLine)
    {
        string[] arguments = [.. commandLine.Replace("{ok}", Path.Combine(_dir.Path, "ok.yaml"), StringComparison.Ordinal)
            .Replace("{bad}", Path.Combine(_dir.Path, "bad.yaml"), StringComparison.Ordinal)
            .Replace("{dir}", _dir.Path, StringComparison.Ordinal)
            .Split(' ')];

        var run = await HookProcess.RunAsync(_binary, arguments, new Dictionary<string, string>(), new Dictionary<string, string>(), TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == exit, $"hookrelay {commandLine}: exit {run.ExitCode}, the README says {exit}\n{run.Stdout}{run.Stderr}");
    }
}
