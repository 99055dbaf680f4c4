namespace HookRelay.Events;

/// <summary>
/// The Ganeti job that ran a hook, as the daemon found it in the job queue when it rendered the
/// event: the job's id, the opcode's index in it, the job's summary as `gnt-job list` shows it,
/// and the opcode's reason trail (who asked, through what). Job id, opcode index, hooks path and
/// phase tell every hook run apart, even two identical operations that share an opkey. When no
/// job could be joined, <see cref="NotJoined"/> alone says why.
/// </summary>
public sealed record JobLink(long? Id, int? OpIndex, string? Summary, IReadOnlyList<string>? Reason, string? NotJoined)
{
    public static JobLink Joined(long id, int opIndex, string summary, IReadOnlyList<string> reason) => new(id, opIndex, summary, reason, null);

    public static JobLink Unjoined(string why) => new(null, null, null, null, why);
}

/// <summary>Finds the job that ran a hook (the daemon's, where it can read Ganeti's job queue); null when it does not look.</summary>
public interface IJobJoin
{
    JobLink? Join(string eventId, HookEvent ev, DateTimeOffset ranAt);
}
