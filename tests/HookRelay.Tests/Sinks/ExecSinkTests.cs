using System.Diagnostics;
using HookRelay.Sinks;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

/// <summary>The exec sink running real programns (/bin/sh scripts written for each test).</summary>
public sealed class ExecSinkTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Script(string body)
    {
        var path = Path.Combine(_dir.Path, $"script-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static ExecSink Sink(params (string, string)[] settings) => ExecSink.Create(SinkTestEvents.Settings("exec", settings));

    private static Task<DeliveryResult> Deliver(ExecSink sink, SinkMessage? message = null) =>
        sink.DeliverAsync(message ?? SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken).AsTask();

    [Fact]
    public async Task The_event_arrives_on_stdin_with_its_arguments_and_variables_unchanged_by_any_shell()
    {
        var output = Path.Combine(_dir.Path, "out");
        var script = Script($"cat > '{output}.json'; printf '%s\\n' \"$@\" \"$HOOKRELAY_EVENT_ID\" \"$HOOKRELAY_EVENT_TYPE\" \"$HOOKRELAY_ROUTE\" \"$(pwd)\" > '{output}.args'");
        var message = SinkTestEvents.LiveMigration(route: "a,b");
        var result = await Deliver(Sink(("command[0]", script), ("command[1]", "$(touch /tmp/pwned) ; 'x'"), ("command[2]", "two words")), message);
        Assert.IsType<DeliveryResult.Delivered>(result);
        Assert.Equal(message.CloudEventJson.ToArray(), await File.ReadAllBytesAsync(output + ".json", TestContext.Current.CancellationToken));
        Assert.Equal(["$(touch /tmp/pwned) ; 'x'", "two words", SinkTestEvents.Id, "org.ganeti.instance-migrate.post", "a,b", "/"],
            await File.ReadAllLinesAsync(output + ".args", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_program_gets_none_of_the_daemons_secrets_only_what_its_env_names()
    {
        var secret = "HOOKRELAY_TEST_SECRET_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(secret, "other-sinks-token");
        try
        {
            var output = Path.Combine(_dir.Path, "env");
            var script = Script($"env > '{output}'");
            var result = await Deliver(Sink(("command[0]", script), ("env.CMDB_TOKEN", $"${{env:{secret}}}"), ("env.MODE", "sync")));
            Assert.IsType<DeliveryResult.Delivered>(result);
            var names = (await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken)).Select(l => l.Split('=')[0]).ToHashSet();
            Assert.DoesNotContain(secret, names);
            Assert.Contains("CMDB_TOKEN=other-sinks-token", await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken), StringComparison.Ordinal);
            Assert.Subset(names, new HashSet<string> { "PATH", "CMDB_TOKEN", "MODE", "HOOKRELAY_EVENT_ID", "HOOKRELAY_EVENT_TYPE", "HOOKRELAY_ROUTE" });
            // What the shell adds of its own (PWD, SHLVL, _) aside, nothing else.
            Assert.Empty(names.Except(["PATH", "LANG", "LC_ALL", "TZ", "CMDB_TOKEN", "MODE", "HOOKRELAY_EVENT_ID", "HOOKRELAY_EVENT_TYPE", "HOOKRELAY_ROUTE", "PWD", "SHLVL", "_", "OLDPWD"]));
        }
        finally
        {
            Environment.SetEnvironmentVariable(secret, null);
        }
    }

    [Fact]
    public async Task A_non_zero_exit_is_retried_with_the_last_line_the_program_said()
    {
        var retry = Assert.IsType<DeliveryResult.Retry>(await Deliver(Sink(("command[0]", Script("cat >/dev/null; echo first >&2; echo 'netbox said 503' >&2; exit 3")))));
        Assert.EndsWith("exited 3: netbox said 503", retry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_without_end_on_stderr_is_kept_only_at_its_end()
    {
        // 8 MiB on stderr with no newline, then the last words: only the end is reported.
        var script = Script("head -c 8388608 /dev/zero | tr '\\0' x >&2; printf 'then: disk full' >&2; exit 3");
        var retry = Assert.IsType<DeliveryResult.Retry>(await Deliver(Sink(("command[0]", script))));
        Assert.EndsWith("then: disk full", retry.Reason, StringComparison.Ordinal);
        Assert.InRange(retry.Reason.Length, 20, 400);
    }

    [Fact]
    public async Task A_program_that_leaves_a_child_holding_its_output_is_not_waited_for()
    {
        var script = Script("sleep 30 & echo started; exit 0");
        var clock = Stopwatch.StartNew();
        Assert.IsType<DeliveryResult.Delivered>(await Deliver(Sink(("command[0]", script))));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_fail_code_is_a_dead_letter()
    {
        var failed = Assert.IsType<DeliveryResult.Failed>(await Deliver(Sink(("command[0]", Script("exit 65")), ("fail_codes[0]", "64"), ("fail_codes[1]", "65"))));
        Assert.Contains("exited 65 (a fail_code)", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_program_over_its_timeout_is_killed_with_its_children_and_retried()
    {
        var pidFile = Path.Combine(_dir.Path, "child.pid");
        var clock = Stopwatch.StartNew();
        var retry = Assert.IsType<DeliveryResult.Retry>(await Deliver(Sink(("command[0]", Script($"sleep 60 & echo $! > '{pidFile}'; wait")), ("timeout", "500ms"))));
        // Far from the program's own 60 s, whatever the load: the timeout ended it.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Contains("did not finish within 0.5 s and was killed", retry.Reason, StringComparison.Ordinal);
        var child = int.Parse((await File.ReadAllTextAsync(pidFile, TestContext.Current.CancellationToken)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // The kill is sent before the attempt returns; the child's exit is the kernel's, so wait for it (bounded).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (IsAlive(child))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the program's child {child} survived its killed parent by 10 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A process that exists and is not a zombie (a zombie has exited, only its parent has not reaped it).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_program_that_ignores_a_large_stdin_and_floods_its_output_does_not_block()
    {
        var big = SinkTestEvents.LiveMigration(ev => ev with { Instance = ev.Instance! with { Name = new string('x', 1_000_000) } });
        var result = await Deliver(Sink(("command[0]", Script("head -c 5000000 /dev/zero; head -c 300000 /dev/zero >&2; exit 0")), ("timeout", "20s")), big);
        Assert.IsType<DeliveryResult.Delivered>(result);
    }

    [Fact]
    public async Task A_missing_program_is_retried_naming_it()
    {
        var retry = Assert.IsType<DeliveryResult.Retry>(await Deliver(Sink(("command[0]", "/nonexistent/sync-vm"))));
        Assert.Contains("cannot run /nonexistent/sync-vm", retry.Reason, StringComparison.Ordinal);
    }
}
