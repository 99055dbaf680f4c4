namespace HookRelay.Jobs;

/// <summary>Where the job watcher reads Ganeti's jobs: the queue's files (<see cref="JobQueueFiles"/>) or the RAPI (<see cref="RapiJobs"/>).</summary>
public interface IJobSource
{
    /// <summary>What it is, for the log: the queue directory, or "RAPI at https://…".</summary>
    string Display { get; }

    /// <summary>The ids of the jobs the queue holds now (not archived), in order.</summary>
    IReadOnlyList<long> Ids();

    /// <summary>The last id Ganeti gave a job, where the source knows it; null otherwise.</summary>
    long? Serial();

    /// <summary>The job, archived ones included where the source has them; null when there is no such job.</summary>
    GanetiJob? Read(long id);
}
