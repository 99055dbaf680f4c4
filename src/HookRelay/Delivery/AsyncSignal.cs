namespace HookRelay.Delivery;

/// <summary>
/// A wake-up flag the daemon loop sleeps on: set by the wake socket and by finished deliveries.
/// Reset when the wait returns, before the loop looks at the work, so a signal raised while it
/// works is never lost: the work it announces was already there to be seen.
/// </summary>
public sealed class AsyncSignal
{
    private TaskCompletionSource _raised = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Raise() => Volatile.Read(ref _raised).TrySetResult();

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _raised).Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
        if (Volatile.Read(ref _raised).Task.IsCompleted)
        {
            Volatile.Write(ref _raised, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }
}
