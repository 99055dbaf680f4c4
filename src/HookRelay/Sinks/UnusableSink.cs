namespace HookRelay.Sinks;

/// <summary>
/// Stands in for a sink that could not be built (a bad URL, an unreadable secret, a template that
/// does not parse): every attempt fails with why, so its rows retry with backoff and become dead
/// letters by the sink's policy, as they would while a receiver is down, and `status` shows the
/// reason. Fixed and reloaded (SIGHUP), the real sink takes the rows that are still pending.
/// </summary>
public sealed class UnusableSink(string name, string reason) : ISink
{
    public string Name => name;

    public ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DeliveryResult>(new DeliveryResult.Retry($"the sink cannot be used: {reason}"));
}
