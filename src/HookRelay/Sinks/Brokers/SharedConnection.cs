namespace HookRelay.Sinks.Brokers;

/// <summary>
/// The one connection a broker sink keeps (brokers multiplex: every delivery under way shares
/// it): opened on first use, opened again after it was dropped for a failure, closed when the
/// sink is. Reconnecting is paced by the deliveries' own retry backoff, not by a loop here.
/// </summary>
public sealed class SharedConnection<T>(Func<CancellationToken, Task<T>> open, Func<T, ValueTask> close, Func<T, bool> isAlive) : IAsyncDisposable
    where T : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private T? _current;
    private bool _disposed;

    /// <summary>Connections opened since the sink was built.</summary>
    public int Opened { get; private set; }

    /// <summary>Whether a connection is open now: what `status` says of the broker.</summary>
    public bool Connected => _current is { } current && isAlive(current);

    public async Task<T> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && isAlive(current))
        {
            return current;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is { } now && isAlive(now))
            {
                return now;
            }
            if (_current is { } dead)
            {
                _current = null;
                await close(dead).ConfigureAwait(false);
            }
            _current = await open(cancellationToken).ConfigureAwait(false);
            Opened++;
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops <paramref name="connection"/> after a failure that may have broken it; the next delivery opens a new one.</summary>
    public async Task DropAsync(T connection)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (ReferenceEquals(_current, connection))
            {
                _current = null;
            }
        }
        finally
        {
            _gate.Release();
        }
        await close(connection).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_current is { } current)
            {
                _current = null;
                await close(current).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
