namespace HookRelay.Outbox;

/// <summary>Why the outbox could not be used, in words an operator can act on.</summary>
public sealed class OutboxException(OutboxProblem problem, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public OutboxProblem Problem => problem;
}

public enum OutboxProblem
{
    /// <summary>The disk, or the configured size limit, is full.</summary>
    Full,
    /// <summary>The file was not a usable database; it has been moved aside.</summary>
    Quarantined,
    /// <summary>Another process held the database longer than we could wait.</summary>
    Busy,
    /// <summary>The state directory or database cannot be opened or written.</summary>
    Unavailable,
    /// <summary>The database was written by a newer HookRelay.</summary>
    TooNew,
}
