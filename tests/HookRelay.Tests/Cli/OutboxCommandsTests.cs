using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

/// <summary>status, dlq list|replay|drop and replay --since, as shipped, against a real receiver.</summary>
public sealed class OutboxCommandsTests : IAsyncLifetime
{
    private readonly HookRelayHost _host = new();
    private TestReceiver _receiver = null!;
    private int _status = 400;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _receiver.Behaviour = (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((_status, null));
        _host.Configure($$"""
            sinks:
              hook: { type: webhook, url: "{{_receiver.Url}}" }
              out: { type: file, path: "{{_host.Dir.Path}}/events.jsonl" }
            routes: [ { name: all, on_node: all, to: [hook, out] } ]
            """);
    }

    public async ValueTask DisposeAsync()
    {
        _host.Dispose();
        await _receiver.DisposeAsync();
    }

    private async Task<JsonElement> Json(params string[] arguments)
    {
        var run = await _host.CliAsync(arguments);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Status_says_which_configuration_is_in_force_while_the_file_is_broken()
    {
        var good = await Json("status", "--json");
        Assert.True(good.GetProperty("config").GetProperty("usable").GetBoolean());
        Assert.Equal("file", good.GetProperty("config").GetProperty("in_force").GetString());

        File.WriteAllText(_host.ConfigPath, File.ReadAllText(_host.ConfigPath).Replace("routes:", "routs:", StringComparison.Ordinal));
        var broken = (await Json("status", "--json")).GetProperty("config");
        Assert.False(broken.GetProperty("usable").GetBoolean());
        Assert.Equal("last_good", broken.GetProperty("in_force").GetString());
        Assert.Contains("unknown key 'routs'", broken.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(good.GetProperty("config").GetProperty("sha256").GetString(), broken.GetProperty("sha256").GetString());
        var table = await _host.CliAsync("status");
        Assert.Equal(0, table.ExitCode);
        Assert.StartsWith($"config: {_host.ConfigPath} is UNUSABLE (", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("hooks run with the last good copy", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_delivery_becomes_a_dead_letter_that_can_be_listed_replayed_and_delivered()
    {
        await _host.RunHookAsync("instance-migrate-post-node1-01");
        await _host.DrainAsync();

        var dead = Assert.Single((await Json("dlq", "list", "--json")).EnumerateArray());
        Assert.Equal("hook", dead.GetProperty("sink").GetString());
        Assert.Contains("answered 400", dead.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        var status = await Json("status", "--json");
        Assert.Equal(1, status.GetProperty("queue").GetProperty("dead").GetInt32());
        Assert.Equal("dead letters", status.GetProperty("sinks")[0].GetProperty("health").GetString());
        // Why the sink is unhealthy stays visible once its only row is a dead letter.
        Assert.Contains("answered 400", status.GetProperty("sinks")[0].GetProperty("last_error").GetString(), StringComparison.Ordinal);
        var list = (await _host.CliAsync("dlq", "list")).Stdout.Split('\n');
        Assert.Equal(dead.GetProperty("last_error").GetString(), list[1][list[0].IndexOf("LAST ERROR", StringComparison.Ordinal)..]);
        var table = (await _host.CliAsync("status")).Stdout;
        Assert.Contains("; 1 dead letter;", table, StringComparison.Ordinal);
        Assert.Matches(@"\nhook\s+dead letters .*answered 400", table);

        _status = 200;
        var replay = await _host.CliAsync("dlq", "replay", dead.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("1 delivery queued again", replay.Stdout, StringComparison.Ordinal);
        await _host.DrainAsync();
        Assert.Empty((await Json("dlq", "list", "--json")).EnumerateArray());
        var accepted = Assert.Single(_receiver.Accepted);
        using var body = JsonDocument.Parse(accepted.Body);
        Assert.Equal(dead.GetProperty("event_id").GetString(), body.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_dead_letter_is_replayed_by_the_event_id_receivers_show_and_answers_in_json()
    {
        await _host.RunHookAsync("instance-migrate-post-node1-01");
        await _host.DrainAsync();
        var dead = Assert.Single((await Json("dlq", "list", "--json")).EnumerateArray());
        var eventId = dead.GetProperty("event_id").GetString()!;

        var answer = await Json("dlq", "replay", eventId, "--json");
        Assert.Equal(1, answer.GetProperty("queued_again").GetInt32());
        Assert.Empty(answer.GetProperty("not_dead_letters").EnumerateArray());
        Assert.Equal(0, _host.Count("state = 2"));
    }

    [Fact]
    public async Task An_id_that_names_no_dead_letter_is_an_error_that_names_it_and_changes_nothing_else()
    {
        await _host.RunHookAsync("instance-migrate-post-node1-01");
        await _host.DrainAsync();
        var dead = Assert.Single((await Json("dlq", "list", "--json")).EnumerateArray()).GetProperty("id").GetInt64();

        var unknown = await _host.CliAsync("dlq", "drop", "12345");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("0 deliveries dropped", unknown.Stdout, StringComparison.Ordinal);
        Assert.Contains("no dead letter has the id 12345 (see 'hookrelay dlq list')", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, _host.Count("state = 2"));

        // The ids that do name one are still dropped; the exit says not all did.
        var mixed = await _host.CliAsync("dlq", "drop", dead.ToString(System.Globalization.CultureInfo.InvariantCulture), "nosuch-event");
        Assert.Equal(1, mixed.ExitCode);
        Assert.Contains("1 delivery dropped", mixed.Stdout, StringComparison.Ordinal);
        Assert.Contains("no dead letter has the id nosuch-event", mixed.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _host.Count("state = 2"));

        Assert.Equal(2, (await _host.CliAsync("dlq", "drop")).ExitCode);
        Assert.Equal(2, (await _host.CliAsync("dlq", "drop", "1", "--all")).ExitCode);
    }

    [Fact]
    public async Task Dropped_dead_letters_are_gone_for_good()
    {
        await _host.RunHookAsync("instance-migrate-post-node1-01");
        await _host.DrainAsync();
        var drop = await _host.CliAsync("dlq", "drop", "--all", "--sink", "hook");
        Assert.Contains("1 delivery dropped", drop.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, _host.Count("state = 2"));
        Assert.Equal(1, _host.Count("state = 1"));
    }

    [Fact]
    public async Task Replay_since_sends_delivered_events_again_with_their_ids()
    {
        _status = 200;
        await _host.RunHookAsync("instance-migrate-post-node1-01");
        await _host.DrainAsync();
        var replay = await _host.CliAsync("replay", "--since", "1h", "--sink", "hook");
        Assert.Contains("1 delivery queued again (sink 'hook')", replay.Stdout, StringComparison.Ordinal);
        await _host.DrainAsync();
        Assert.Equal(2, _receiver.Accepted.Count);
        Assert.Equal(_receiver.Accepted[0].Headers.GetValueOrDefault("content-type"), _receiver.Accepted[1].Headers.GetValueOrDefault("content-type"));
        Assert.Single(File.ReadAllLines(Path.Combine(_host.Dir.Path, "events.jsonl")));
        using var a = JsonDocument.Parse(_receiver.Accepted[0].Body);
        using var b = JsonDocument.Parse(_receiver.Accepted[1].Body);
        Assert.Equal(a.RootElement.GetProperty("id").GetString(), b.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Replay_since_in_the_future_or_garbage_is_refused_clearly()
    {
        var bad = await _host.CliAsync("replay", "--since", "yesterday-ish");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("neither a duration", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_without_an_outbox_says_so_and_lists_configured_sinks()
    {
        var run = await _host.CliAsync("status");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("no outbox at", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("hook", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("daemon: not running", run.Stdout, StringComparison.Ordinal);
    }
}
