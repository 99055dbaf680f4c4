namespace HookRelay.Web;

/// <summary>What the daemon's listener answers with: built once by serve, kept across listener restarts.</summary>
public sealed record WebRoutes(DaemonMetrics Metrics, EventApi Events, DeadLetterApi DeadLetters, SinkStatusApi Sinks);
