using HookRelay.Cli;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

/// <summary>`events tail`: real hook runs (the published hook) read back from this node's journal.</summary>
public sealed class EventsCommandTests : IDisposable
{
    private readonly HookRelayHost _host = new();

    public void Dispose() => _host.Dispose();

    private HookRelayConfig Configure()
    {
        var path = _host.Configure($$"""
            sinks:
              dump: { type: file, path: {{Path.Combine(_host.Dir.Path, "events.jsonl")}} }
            routes: [ { name: migrations, on_node: all, matchers: ['hook="instance-migrate"'], to: [dump] } ]
            gates:
              - { name: naming, matchers: ['hook="instance-add"'], deny_unless: { instance_name: '^[a-z0-9.-]+$' }, on_error: deny }
            """);
        return ConfigLoader.Load(path);
    }


    private static async Task<string[]> TailAsync(HookRelayConfig config, int count, string? instance = null)
    {
        var output = new StringWriter();
        Assert.Equal(ExitCodes.Ok, await EventsCommand.TailAsync(config, count, instance, follow: false, output, TestContext.Current.CancellationToken));
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Prints_the_last_runs_one_line_each_and_only_the_instance_asked_for()
    {
        var config = Configure();
        await _host.RunHookAsync("instance-migrate-post-node1-01", change: Fixtures.Named("web-1"));
        await _host.RunHookAsync("instance-add-pre-node1-01", change: Fixtures.Named("Bad_Name"));
        await _host.RunHookAsync("instance-migrate-post-node1-01", change: Fixtures.Named("web-2"));

        var lines = await TailAsync(config, 20);
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT[0-9:.]+Z node1\.lab\.example instance-migrate post web-1: queued for dump \([0-9.]+ ms\)$", lines[0]);
        Assert.Matches(@" instance-add pre Bad_Name: denied by gate 'naming'; nothing to send \([0-9.]+ ms; gates: naming deny\)$", lines[1]);
        Assert.Contains(" web-2: queued for dump", lines[2], StringComparison.Ordinal);
        Assert.Equal([lines[2]], await TailAsync(config, 1));
        var web1 = Assert.Single(await TailAsync(config, 20, "WEB-1"));
        Assert.Contains(" web-1: ", web1, StringComparison.Ordinal);
        Assert.Empty(await TailAsync(config, 20, "db-9"));
    }

    [Fact]
    public async Task Follow_prints_runs_as_they_are_recorded_until_interrupted()
    {
        var config = Configure();
        await _host.RunHookAsync("instance-migrate-post-node1-01", change: Fixtures.Named("old-1"));
        var output = new SynchronizedWriter();
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var tail = EventsCommand.TailAsync(config, 0, null, follow: true, output, interrupt.Token);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Equal("", output.Text);
        await _host.RunHookAsync("instance-migrate-post-node1-01", change: Fixtures.Named("new-1"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!output.Text.Contains(" new-1: queued for dump", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        await interrupt.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await tail);
        Assert.Contains(" new-1: queued for dump", output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("old-1", output.Text, StringComparison.Ordinal);
    }

    private sealed class SynchronizedWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return ToString();
                }
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_lock)
            {
                base.WriteLine(value);
            }
        }
    }
}
