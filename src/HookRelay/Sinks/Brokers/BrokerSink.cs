using HookRelay.Sinks.Declaration;

namespace HookRelay.Sinks.Brokers;

/// <summary>
/// What every broker sink shares: the events of a batch taken apart once
/// (<see cref="CloudEventParts"/>), one kept connection (<see cref="SharedConnection{T}"/>),
/// and one rule for results. A message is delivered only when the broker acknowledged it
/// (PUBACK, confirm, PubAck, delivery report); anything else is retried with one line that says
/// what the broker or the network said, never a credential. A failure that may have broken the
/// connection drops it, and the next attempt connects afresh. Each broker says only how to
/// connect, how to publish a batch in order, and how to read its exceptions.
/// </summary>
public abstract class BrokerSink<TConnection> : IBatchSink, IConnectedSink, IDisposable where TConnection : class
{
    protected BrokerSink(string name, string where)
    {
        Name = name;
        Where = where;
        Connection = new SharedConnection<TConnection>(ConnectAsync, CloseAsync, IsAlive);
    }

    public string Name { get; }

    /// <summary>The broker as messages name it: "MQTT broker 127.0.0.1:1883".</summary>
    public string Where { get; }

    public SharedConnection<TConnection> Connection { get; }

    public string ConnectionState => Connection.Connected ? "connected" : Connection.Opened == 0 ? "not connected yet" : "disconnected";

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken) =>
        (await DeliverBatchAsync([message], cancellationToken).ConfigureAwait(false))[0];

    public async ValueTask<IReadOnlyList<DeliveryResult>> DeliverBatchAsync(IReadOnlyList<SinkMessage> messages, CancellationToken cancellationToken)
    {
        var events = messages.Select(CloudEventParts.Parse).ToList();
        var results = new DeliveryResult?[events.Count];
        try
        {
            TConnection connection;
            try
            {
                connection = await Connection.GetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return Fill(results, new DeliveryResult.Retry($"cannot connect to the {Where}: {Explain(e)}"));
            }
            try
            {
                await PublishAsync(connection, events, results, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (Breaks(e))
                {
                    await Connection.DropAsync(connection).ConfigureAwait(false);
                }
                return Fill(results, new DeliveryResult.Retry($"the {Where}: {Explain(e)}"));
            }
            return Fill(results, new DeliveryResult.Retry($"the {Where} did not acknowledge the message (a bug: please report it)"));
        }
        finally
        {
            foreach (var parts in events)
            {
                parts.Dispose();
            }
        }
    }

    /// <summary>The results so far, the messages not yet decided given <paramref name="rest"/>.</summary>
    private static DeliveryResult[] Fill(DeliveryResult?[] results, DeliveryResult rest) => [.. results.Select(r => r ?? rest)];

    protected abstract Task<TConnection> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Closes politely where the protocol has a goodbye; must not throw.</summary>
    protected abstract ValueTask CloseAsync(TConnection connection);

    protected abstract bool IsAlive(TConnection connection);

    /// <summary>
    /// Publishes the events in order, setting each one's result as the broker answers it; an
    /// exception leaves the rest undecided (retried). Ordering: a message is sent after the
    /// ones before it, so the broker keeps the batch's order.
    /// </summary>
    protected abstract Task PublishAsync(TConnection connection, IReadOnlyList<CloudEventParts> events, DeliveryResult?[] results, CancellationToken cancellationToken);

    /// <summary>One line for the operator from what the library threw.</summary>
    protected abstract string Explain(Exception exception);

    /// <summary>Whether the exception means the connection cannot be trusted any more.</summary>
    protected virtual bool Breaks(Exception exception) => true;

    public void Dispose()
    {
        Connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Settings every broker sink reads the same way.</summary>
public static class BrokerKeys
{
    /// <summary>The CloudEvents binding mode.</summary>
    public static SinkKey Mode(string binaryNote) =>
        SinkKey.Choice("mode", $"binary (default): CloudEvents attributes in the message's headers, data as the payload{binaryNote}; structured: the whole CloudEvent as JSON.",
            "binary", "structured");

    public static BindingMode ModeOf(SinkSettings settings) => settings.Text("mode") == "structured" ? BindingMode.Structured : BindingMode.Binary;
}
