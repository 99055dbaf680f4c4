namespace HookRelay.Sinks.Connections;

/// <summary>
/// The connections a sink keeps open between deliveries (an SMTP session, a TCP syslog stream,
/// and next a broker's): at most one per delivery under way, reused while alive and idle for
/// less than <see cref="IdleLimit"/>, closed after any failure and when the sink is dropped
/// (reload, shutdown). A delivery that fails on a reused connection because the far end had
/// closed it meanwhile is tried once more on a fresh one: a connection that went stale while
/// idle must not cost an event a retry with backoff.
/// </summary>
public sealed class ConnectionPool<T> : IAsyncDisposable where T : class
{
    private readonly Func<CancellationToken, Task<T>> _open;
    private readonly Func<T, Task> _close;
    private readonly Func<T, bool> _isAlive;
    private readonly Func<Exception, bool> _isBroken;
    private readonly TimeProvider _time;
    private readonly Stack<(T Connection, long IdleSince)> _idle = new();
    private readonly Lock _lock = new();
    private bool _disposed;
    private int _opened;

    /// <param name="open">Connects (and logs in): throws what the sink maps to a result.</param>
    /// <param name="close">Says goodbye politely where the protocol has one; must not throw.</param>
    /// <param name="isAlive">A cheap local check before reuse (the far end may have hung up).</param>
    /// <param name="isBroken">Whether an exception means the connection is gone (not a refusal of this message).</param>
    public ConnectionPool(Func<CancellationToken, Task<T>> open, Func<T, Task> close, Func<T, bool> isAlive, Func<Exception, bool> isBroken,
        TimeSpan idleLimit, TimeProvider? time = null)
    {
        _open = open;
        _close = close;
        _isAlive = isAlive;
        _isBroken = isBroken;
        IdleLimit = idleLimit;
        _time = time ?? TimeProvider.System;
    }

    public TimeSpan IdleLimit { get; }

    /// <summary>Connections opened since the sink was built: for tests and, next, metrics.</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>Runs <paramref name="use"/> on a kept connection, or a fresh one, and keeps the connection if it succeeded.</summary>
    public async Task<TResult> UseAsync<TResult>(Func<T, CancellationToken, Task<TResult>> use, CancellationToken cancellationToken)
    {
        var (connection, reused) = await RentAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            try
            {
                var result = await use(connection, cancellationToken).ConfigureAwait(false);
                await ReturnAsync(connection).ConfigureAwait(false);
                return result;
            }
            catch (Exception e) when (reused && _isBroken(e) && !cancellationToken.IsCancellationRequested)
            {
                await _close(connection).ConfigureAwait(false);
            }
            catch
            {
                await _close(connection).ConfigureAwait(false);
                throw;
            }
            // Once more, on a connection opened for it: its failure is the delivery's.
            (connection, reused) = (await OpenAsync(cancellationToken).ConfigureAwait(false), false);
        }
    }

    private async Task<(T Connection, bool Reused)> RentAsync(CancellationToken cancellationToken)
    {
        var stale = new List<T>();
        T? kept = null;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            while (kept is null && _idle.TryPop(out var idle))
            {
                if (_time.GetElapsedTime(idle.IdleSince, now) < IdleLimit && _isAlive(idle.Connection))
                {
                    kept = idle.Connection;
                }
                else
                {
                    stale.Add(idle.Connection);
                }
            }
        }
        foreach (var connection in stale)
        {
            await _close(connection).ConfigureAwait(false);
        }
        return kept is not null ? (kept, true) : (await OpenAsync(cancellationToken).ConfigureAwait(false), false);
    }

    private async Task<T> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await _open(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _opened);
        return connection;
    }

    private async Task ReturnAsync(T connection)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _idle.Push((connection, _time.GetTimestamp()));
                return;
            }
        }
        await _close(connection).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        List<T> idle;
        lock (_lock)
        {
            _disposed = true;
            idle = [.. _idle.Select(i => i.Connection)];
            _idle.Clear();
        }
        foreach (var connection in idle)
        {
            await _close(connection).ConfigureAwait(false);
        }
    }
}
