using System.Globalization;

namespace HookRelay.Jobs;

/// <summary>
/// Ganeti's job queue on the master as files: queue/job-ID for the jobs it holds, queue/serial for
/// the last id it gave, queue/archive/ID/10000/job-ID for archived ones (gnt-job archive, or after
/// six hours).
/// </summary>
public sealed class JobQueueFiles(string directory) : IJobSource
{
    /// <summary>Ganeti's JOBS_PER_ARCHIVE_DIRECTORY.</summary>
    private const int JobsPerArchiveDirectory = 10000;

    public string Directory => directory;

    public string Display => directory;

    /// <summary>Whether this process may list the queue (Ganeti keeps it to its own users; HookRelay not run as root may not).</summary>
    public bool Readable()
    {
        try
        {
            _ = System.IO.Directory.EnumerateFiles(directory, "serial").Any();
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    /// <summary>The ids of the jobs in the queue now (not archived).</summary>
    public IReadOnlyList<long> Ids()
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return [];
        }
        var ids = new List<long>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "job-*"))
        {
            // Only job-ID: Ganeti writes a job to a temporary name first and renames it.
            if (long.TryParse(Path.GetFileName(path).AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }
        ids.Sort();
        return ids;
    }

    /// <summary>The last id Ganeti gave a job, or null when the queue has no serial file.</summary>
    public long? Serial()
    {
        try
        {
            return long.TryParse(File.ReadAllText(Path.Combine(directory, "serial")).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var serial)
                ? serial : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The job, from the queue or the archive; null when it is in neither (never written, or deleted).</summary>
    public GanetiJob? Read(long id)
    {
        foreach (var path in new[] { PathOf(id), ArchivePath(id) })
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue;
            }
            return GanetiJob.Parse(bytes);
        }
        return null;
    }

    /// <summary>Where the queue keeps job <paramref name="id"/> while it is not archived.</summary>
    public string PathOf(long id) => Path.Combine(directory, $"job-{id.ToString(CultureInfo.InvariantCulture)}");

    private string ArchivePath(long id) =>
        Path.Combine(directory, "archive", (id / JobsPerArchiveDirectory).ToString(CultureInfo.InvariantCulture), $"job-{id}");
}
