using System.Text.Json;
using HookRelay.Cli;
using HookRelay.Tests.Support;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace HookRelay.Tests.Sinks.Brokers;

/// <summary>
/// The broker sinks in the published NativeAOT binary (the libraries must work trimmed, not
/// only under the JIT): a hook run queued and drained to mosquitto and NATS, and test-send.
/// </summary>
public sealed class BrokerProcessTests : IAsyncLifetime
{
    private readonly HookRelayHost _host = new();
    private BrokerServer _mosquitto = null!;
    private int _mosquittoAuthPort;
    private BrokerServer _nats = null!;

    public async ValueTask InitializeAsync()
    {
        var mosquitto = await Support.Brokers.MosquittoAsync();
        (_mosquitto, _mosquittoAuthPort) = (mosquitto.Server, mosquitto.AuthPort);
        _nats = await Support.Brokers.NatsAsync();
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = $"nats://127.0.0.1:{_nats.Port}" });
        await new NatsJSContext(nats).CreateStreamAsync(new StreamConfig("GANETI", ["ganeti.>"]), TestContext.Current.CancellationToken);
        _host.Configure($$"""
            sinks:
              bus: { type: nats, url: "nats://127.0.0.1:{{_nats.Port}}" }
              mqtt: { type: mqtt, host: 127.0.0.1, port: {{_mosquitto.Port}} }
            routes:
              - { name: all, on_node: all, to: [bus, mqtt] }
            """);
    }

    public async ValueTask DisposeAsync()
    {
        // Each stopped whatever the others do: a failure here must not leave a broker running.
        try
        {
            _host.Dispose();
            await _mosquitto.DisposeAsync();
        }
        finally
        {
            await _nats.DisposeAsync();
        }
    }

    private async Task<long> StoredAsync()
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = $"nats://127.0.0.1:{_nats.Port}" });
        return (await new NatsJSContext(nats).GetStreamAsync("GANETI", cancellationToken: TestContext.Current.CancellationToken)).Info.State.Messages;
    }

    [Fact]
    public async Task A_hook_run_is_drained_to_nats_and_mqtt_by_the_published_binary()
    {
        using var subscriber = await MosquittoSubscriber.StartAsync(_mosquitto.Port, "ganeti/#");

        var hook = await _host.RunHookAsync("instance-migrate-post-node1-01");
        await _host.DrainAsync();

        Assert.Equal(0, hook.ExitCode);
        Assert.Equal(1L, await StoredAsync());
        var got = Assert.Single(await subscriber.MessagesAsync(1));
        Assert.Equal("org.ganeti.instance-migrate.post", got.GetProperty("properties").GetProperty("user-properties").GetProperty("type").GetString());
        Assert.Equal(0, _host.Count("state <> 1"));
    }

    [Fact]
    public async Task Test_send_reaches_each_broker_and_a_stopped_one_is_said_in_one_line()
    {
        var nats = await _host.CliAsync("test-send", "bus");
        var mqtt = await _host.CliAsync("test-send", "mqtt");
        await _mosquitto.StopAsync();
        var down = await _host.CliAsync("test-send", "mqtt");

        Assert.True(nats.ExitCode == ExitCodes.Ok, nats.Stdout + nats.Stderr);
        Assert.True(mqtt.ExitCode == ExitCodes.Ok, mqtt.Stdout + mqtt.Stderr);
        Assert.Equal(1L, await StoredAsync());
        Assert.Equal(ExitCodes.Failed, down.ExitCode);
        Assert.Contains($"cannot connect to the MQTT broker 127.0.0.1:{_mosquitto.Port}", down.Stdout + down.Stderr, StringComparison.Ordinal);
        await _mosquitto.StartAgainAsync();
    }

    [Fact]
    public async Task Status_says_each_brokers_connection_and_what_the_stopped_one_answered()
    {
        var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01")).ExitCode);
        await _host.WaitForOutboxAsync("state = 1", 2, TimeSpan.FromSeconds(20));
        var up = await StatusUntilAsync("mqtt connected");

        await _mosquitto.StopAsync();
        Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01")).ExitCode);
        await _host.WaitForOutboxAsync("state = 1", 3, TimeSpan.FromSeconds(20));
        await _host.WaitForOutboxAsync("state = 0 AND attempts > 0", 1, TimeSpan.FromSeconds(20));
        var down = await StatusUntilAsync("mqtt disconnected");

        Assert.Contains("broker connections: bus connected, mqtt connected", up.Stdout, StringComparison.Ordinal);
        Assert.Contains("broker connections: bus connected, mqtt disconnected", down.Stdout, StringComparison.Ordinal);
        Assert.Contains($"the MQTT broker 127.0.0.1:{_mosquitto.Port}", down.Stdout, StringComparison.Ordinal);
        await _mosquitto.StartAgainAsync();
    }

    [Fact]
    public async Task A_refused_login_is_retried_by_the_policy_then_dead_lettered_with_one_clear_line_and_never_the_password()
    {
        const string wrong = "not-the-password-2718";
        File.WriteAllText(Path.Combine(_host.Dir.Path, "mqtt.password"), wrong);
        _host.Configure($$"""
            sinks:
              locked: { type: mqtt, host: 127.0.0.1, port: {{_mosquittoAuthPort}}, username: {{Support.Brokers.User}},
                        password: "${file:{{Path.Combine(_host.Dir.Path, "mqtt.password")}}}", max_attempts: 2, backoff: { initial: 100ms, max: 200ms } }
            routes: [ { name: all, on_node: all, to: [locked] } ]
            """);

        Assert.Equal(0, (await _host.RunHookAsync("instance-migrate-post-node1-01")).ExitCode);
        var drain = await _host.DrainAsync();
        var dlq = await _host.CliAsync("dlq", "list");
        var status = await _host.CliAsync("status");

        Assert.Equal(1, _host.Count("sink = 'locked' AND state = 2 AND attempts = 2"));
        var reason = $"cannot connect to the MQTT broker 127.0.0.1:{_mosquittoAuthPort}:";
        Assert.Contains(reason, dlq.Stdout, StringComparison.Ordinal);
        Assert.Contains(reason, status.Stdout, StringComparison.Ordinal);
        foreach (var said in new[] { drain.Stdout, drain.Stderr, dlq.Stdout, dlq.Stderr, status.Stdout, status.Stderr,
            string.Join('\n', Directory.GetFiles(_host.StateDir, "*.jsonl").Select(File.ReadAllText)) })
        {
            Assert.DoesNotContain(wrong, said, StringComparison.Ordinal);
        }
    }

    /// <summary>`status` once it says <paramref name="text"/>, or after 10 s: the daemon writes its status file at most once a second.</summary>
    private async Task<HookRun> StatusUntilAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HookRun status;
        while (!(status = await _host.CliAsync("status")).Stdout.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        return status;
    }
}
