using System.Globalization;
using System.Text.Json;

namespace HookRelay.Jobs;

/// <summary>
/// One job of Ganeti's queue as the master keeps it (/var/lib/ganeti/queue/job-ID, later
/// queue/archive/…/job-ID): its opcodes with their targets, statuses, times, errors and reason
/// trails. Read, never written: the file is Ganeti's. Timestamps there are [seconds, microseconds].
/// </summary>
public sealed record GanetiJob(long Id, string Status, DateTimeOffset? Received, DateTimeOffset? Started, DateTimeOffset? Ended,
    IReadOnlyList<JobOpcode> Opcodes)
{
    /// <summary>Reads a job file's JSON; a file that is not one (a temporary file, half-written) throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static GanetiJob Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || !root.TryGetProperty("ops", out var ops)
                || ops.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("not a Ganeti job: no id or ops");
            }
            var opcodes = ops.EnumerateArray().Select(JobOpcode.Parse).ToList();
            return new GanetiJob(IdOf(id), StatusOf(opcodes), TimeOf(root, "received_timestamp"), TimeOf(root, "start_timestamp"),
                TimeOf(root, "end_timestamp"), opcodes);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON: {e.Message}", e);
        }
    }

    /// <summary>Ganeti writes the id as a number (older releases: a string of digits).</summary>
    private static long IdOf(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.Number => id.GetInt64(),
        JsonValueKind.String when long.TryParse(id.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => throw new FormatException($"job id {id.GetRawText()} is not a number"),
    };

    /// <summary>
    /// The job's status from its opcodes', as Ganeti derives it (jqueue's CalcStatus): success when
    /// every opcode succeeded; otherwise the first canceling, error or canceled opcode decides;
    /// else running or waiting if one is; else queued.
    /// </summary>
    public static string StatusOf(IReadOnlyList<JobOpcode> opcodes)
    {
        var status = "queued";
        foreach (var op in opcodes)
        {
            switch (op.Status)
            {
                case "success":
                case "queued":
                    continue;
                case "waiting" or "running":
                    status = op.Status;
                    continue;
                default:
                    return op.Status; // canceling, error, canceled
            }
        }
        return opcodes.Count > 0 && opcodes.All(o => o.Status == "success") ? "success" : status;
    }

    internal static DateTimeOffset? TimeOf(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var stamp) ? TimeOf(stamp) : null;

    /// <summary>[seconds, microseconds] since the epoch; null for a time not reached yet.</summary>
    internal static DateTimeOffset? TimeOf(JsonElement stamp) =>
        stamp.ValueKind == JsonValueKind.Array && stamp.GetArrayLength() == 2
            ? DateTimeOffset.FromUnixTimeSeconds(stamp[0].GetInt64()).AddTicks(stamp[1].GetInt64() * 10)
            : null;
}
