namespace HookRelay.Sinks;

/// <summary>A sink that keeps a connection between deliveries (the brokers): `status` says whether it is up.</summary>
public interface IConnectedSink
{
    /// <summary>"connected", "disconnected" (after a failure, until the next delivery connects again), or "not connected yet".</summary>
    string ConnectionState { get; }
}
