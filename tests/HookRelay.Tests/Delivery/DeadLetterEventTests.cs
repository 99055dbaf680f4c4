using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Delivery;

/// <summary>
/// A delivery given up is an event of its own for the routes that ask for dead letters, through
/// the shipped binaries: a sink that is down can be alerted on through another, and an alert sink
/// that is down too does not feed itself.
/// </summary>
public sealed class DeadLetterEventTests : IDisposable
{
    private readonly HookRelayHost _host = new();

    private string Alerts => Path.Combine(_host.Dir.Path, "alerts.jsonl");

    private string DownUrl { get; } = $"http://127.0.0.1:{ServiceProcesses.FreeLoopbackPort()}/";

    private async Task MigrateAndDrain()
    {
        var run = await _host.RunHookAsync("instance-migrate-post-node1-01");
        Assert.True(run.ExitCode == 0, $"hook: {run.Stderr}");
        await _host.DrainAsync();
    }

    [Fact]
    public async Task A_delivery_given_up_reaches_the_route_that_asks_for_dead_letters_and_only_that_one()
    {
        _host.Configure($$"""
            sinks:
              chat: { type: webhook, url: "{{DownUrl}}", timeout: 2s, max_attempts: 1 }
              alerts: { type: file, path: {{Alerts}} }
            routes:
              - { name: migrations, matchers: ['hook="instance-migrate"'], to: [chat] }
              - { name: dead-letters, matchers: ['kind="dead_letter"', 'sink="chat"'], to: [alerts] }
            """);

        await MigrateAndDrain();

        var alert = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Alerts))).RootElement;
        Assert.Equal("org.hookrelay.delivery.dead", alert.GetProperty("type").GetString());
        Assert.Equal("web-1.lab.example", alert.GetProperty("subject").GetString());
        var said = alert.GetProperty("data").GetProperty("hookrelay");
        Assert.Equal("chat", said.GetProperty("sink").GetString());
        Assert.Equal(1, said.GetProperty("attempts").GetInt32());
        Assert.Equal("org.ganeti.instance-migrate.post", said.GetProperty("about").GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(said.GetProperty("reason").GetString()));
        // The data is the undelivered event's: templates and matchers read the instance as on it.
        Assert.Equal("web-1.lab.example", alert.GetProperty("data").GetProperty("instance").GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_dead_letter_of_a_dead_letter_begets_nothing()
    {
        _host.Configure($$"""
            sinks:
              chat: { type: webhook, url: "{{DownUrl}}", timeout: 2s, max_attempts: 1 }
            routes:
              - { name: migrations, matchers: ['hook="instance-migrate"'], to: [chat] }
              - { name: dead-letters, matchers: ['kind="dead_letter"'], to: [chat] }
            """);

        await MigrateAndDrain();

        // The hook event's dead letter, and the announcement of it, also dead: nothing more.
        Assert.Equal(2, _host.Count("state = 2"));
        Assert.Equal(2, _host.Count("1 = 1"));
    }

    public void Dispose() => _host.Dispose();
}
