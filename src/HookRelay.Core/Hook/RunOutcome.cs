namespace HookRelay.Hook;

/// <summary>
/// What a hook run did, for the run journal: <see cref="Result"/> is one of a few words a program
/// counts by (/metrics' outcome label), <see cref="Sentence"/> what a person reads ("queued for
/// chat, grafana", "denied by gate 'naming'; nothing to send").
/// </summary>
public sealed record RunOutcome(string Result, string Sentence)
{
    /// <summary>The id of the event the run queued: a job event lists its hook runs by it.</summary>
    public string? EventId { get; init; }

    /// <summary>The event went into the outbox for its sinks.</summary>
    public const string Queued = "queued";

    /// <summary>No route, gate or action applied.</summary>
    public const string Nothing = "nothing";

    /// <summary>A gate said no (its denial may have been queued too).</summary>
    public const string Denied = "denied";

    /// <summary>The event could not be queued.</summary>
    public const string Error = "error";

    public static readonly RunOutcome NothingToSend = new(Nothing, "nothing to send");
}
