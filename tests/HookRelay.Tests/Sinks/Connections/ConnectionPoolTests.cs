using HookRelay.Sinks.Connections;
using Microsoft.Extensions.Time.Testing;

namespace HookRelay.Tests.Sinks.Connections;

/// <summary>The connections a sink keeps, on fake connections and a fake clock.</summary>
public sealed class ConnectionPoolTests : IAsyncDisposable
{
    private sealed class Connection(int number)
    {
        public int Number { get; } = number;

        public bool Alive { get; set; } = true;

        public bool Closed { get; set; }
    }

    private readonly FakeTimeProvider _clock = new();
    private readonly List<Connection> _opened = [];
    private readonly ConnectionPool<Connection> _pool;

    public ConnectionPoolTests() =>
        _pool = new ConnectionPool<Connection>(_ =>
            {
                var connection = new Connection(_opened.Count + 1);
                _opened.Add(connection);
                return Task.FromResult(connection);
            },
            connection =>
            {
                connection.Closed = true;
                return Task.CompletedTask;
            },
            connection => connection.Alive, e => e is IOException, TimeSpan.FromMinutes(1), _clock);

    public async ValueTask DisposeAsync() => await _pool.DisposeAsync();

    private Task<int> Use(Func<Connection, int>? body = null) =>
        _pool.UseAsync((connection, _) => Task.FromResult(body is null ? connection.Number : body(connection)), TestContext.Current.CancellationToken);

    [Fact]
    public async Task One_delivery_after_another_reuses_the_connection()
    {
        var numbers = new List<int> { await Use(), await Use(), await Use() };

        Assert.Equal([1, 1, 1], numbers);
        Assert.Equal(1, _pool.Opened);
    }

    [Fact]
    public async Task Deliveries_under_way_at_once_each_get_their_own()
    {
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var first = _pool.UseAsync(async (connection, _) =>
        {
            inside.SetResult();
            await release.Task;
            return connection.Number;
        }, TestContext.Current.CancellationToken);
        await inside.Task;

        var second = await Use();
        release.SetResult();

        Assert.Equal((1, 2), (await first, second));
        await Use();
        Assert.Equal(2, _pool.Opened);
    }

    [Fact]
    public async Task A_connection_idle_past_the_limit_is_closed_and_replaced()
    {
        await Use();
        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(2, await Use());
        Assert.True(_opened[0].Closed);
    }

    [Fact]
    public async Task A_connection_the_far_end_closed_is_replaced_before_use()
    {
        await Use();
        _opened[0].Alive = false;

        Assert.Equal(2, await Use());
        Assert.True(_opened[0].Closed);
    }

    [Fact]
    public async Task A_reused_connection_that_turns_out_broken_is_tried_once_more_fresh()
    {
        await Use();
        var tries = new List<int>();

        var result = await Use(connection =>
        {
            tries.Add(connection.Number);
            return connection.Number == 1 ? throw new IOException("broken pipe") : connection.Number;
        });

        Assert.Equal(2, result);
        Assert.Equal([1, 2], tries);
        Assert.True(_opened[0].Closed);
        Assert.Equal(2, await Use());
    }

    [Fact]
    public async Task A_fresh_connection_failing_is_the_deliverys_failure_and_is_not_kept()
    {
        var e = await Assert.ThrowsAsync<IOException>(() => Use(_ => throw new IOException("refused")));

        Assert.Equal("refused", e.Message);
        Assert.Single(_opened);
        Assert.True(_opened[0].Closed);
    }

    [Fact]
    public async Task A_refusal_on_a_reused_connection_is_not_tried_again()
    {
        await Use();
        var tries = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => Use(_ =>
        {
            tries++;
            throw new InvalidOperationException("550 no such user");
        }));

        Assert.Equal(1, tries);
    }

    [Fact]
    public async Task Disposing_closes_what_is_kept_and_what_comes_back_later()
    {
        var release = new TaskCompletionSource();
        var inside = new TaskCompletionSource();
        await Use();
        var late = _pool.UseAsync(async (connection, _) =>
        {
            inside.SetResult();
            await release.Task;
            return connection.Number;
        }, TestContext.Current.CancellationToken);
        await inside.Task;

        await _pool.DisposeAsync();
        release.SetResult();
        await late;

        Assert.All(_opened, c => Assert.True(c.Closed));
    }
}
