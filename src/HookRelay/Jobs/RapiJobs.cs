using System.Text.Json;
using System.Text.Json.Nodes;
using HookRelay.Reconcile;

namespace HookRelay.Jobs;

/// <summary>
/// Ganeti's jobs through its RAPI, where the queue's files cannot be read: /2/jobs for the ids,
/// /2/jobs/ID for each job, read as a job file (<see cref="GanetiJob.Parse"/>). The RAPI gives
/// the job's times but not its opcodes': an opcode starts when the job did (a later one when the
/// one before it ended, or at its first log line) and ends at its last log line (the last one
/// when the job did), so the steps stay in order. Blocking calls: the watcher has its own thread.
/// </summary>
public sealed class RapiJobs(RapiClient rapi) : IJobSource, IDisposable
{
    public string Display => rapi.Display;

    public IReadOnlyList<long> Ids() => rapi.JobIdsAsync(CancellationToken.None).GetAwaiter().GetResult();

    public long? Serial() => null;

    public GanetiJob? Read(long id)
    {
        using var answer = rapi.JobAsync(id, CancellationToken.None).GetAwaiter().GetResult();
        // Ganeti 3.0 answers a job it does not know with 200 and every field null.
        return answer is null || !answer.RootElement.TryGetProperty("ops", out var ops) || ops.ValueKind != JsonValueKind.Array
            ? null
            : GanetiJob.Parse(System.Text.Encoding.UTF8.GetBytes(AsJobFile(answer.RootElement).ToJsonString()));
    }

    /// <summary>/2/jobs/ID's fields (ops, opstatus, opresult, oplog, received_ts, start_ts, end_ts) laid out as Ganeti's job file.</summary>
    internal static JsonObject AsJobFile(JsonElement job)
    {
        JsonNode? Node(JsonElement element) => element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : JsonNode.Parse(element.GetRawText());
        JsonElement Field(string name) => job.TryGetProperty(name, out var value) ? value : default;
        JsonElement At(JsonElement list, int index) => list.ValueKind == JsonValueKind.Array && index < list.GetArrayLength() ? list[index] : default;
        var started = GanetiJob.TimeOf(Field("start_ts"));
        var jobEnded = GanetiJob.TimeOf(Field("end_ts"));
        var ops = new JsonArray();
        DateTimeOffset? previousEnd = null;
        var stopped = false; // after an opcode failed or was canceled, Ganeti marks the rest so without running them
        var count = Field("ops").ValueKind == JsonValueKind.Array ? Field("ops").GetArrayLength() : 0;
        string StatusAt(int index) => At(Field("opstatus"), index).ValueKind == JsonValueKind.String ? At(Field("opstatus"), index).GetString()! : "queued";
        for (var i = 0; i < count; i++)
        {
            var status = StatusAt(i);
            var log = At(Field("oplog"), i);
            var logTimes = log.ValueKind == JsonValueKind.Array
                ? log.EnumerateArray().Select(entry => entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() > 1 ? GanetiJob.TimeOf(entry[1]) : null)
                    .OfType<DateTimeOffset>().ToList()
                : [];
            DateTimeOffset? opStart = null, opEnd = null;
            if (!stopped && status is not ("queued" or "waiting") && started is { } jobStart)
            {
                opStart = Max(previousEnd ?? jobStart, logTimes.Count > 0 && i > 0 ? logTimes[0] : previousEnd ?? jobStart);
            }
            if (status is "success" or "error" or "canceled" && opStart is { } begun)
            {
                // The last opcode that ran ends when the job did.
                var nextRan = i + 1 < count && StatusAt(i + 1) is not ("queued" or "waiting") && status == "success";
                opEnd = Max(begun, !nextRan && jobEnded is { } end ? end : logTimes.Count > 0 ? logTimes[^1] : begun);
                previousEnd = opEnd;
                stopped = status != "success";
            }
            ops.Add((JsonNode)new JsonObject
            {
                ["input"] = Node(At(Field("ops"), i)),
                ["status"] = status,
                ["result"] = Node(At(Field("opresult"), i)),
                ["start_timestamp"] = Stamp(opStart),
                ["end_timestamp"] = Stamp(opEnd),
            });
        }
        return new JsonObject
        {
            ["id"] = Node(Field("id")),
            ["received_timestamp"] = Node(Field("received_ts")),
            ["start_timestamp"] = Node(Field("start_ts")),
            ["end_timestamp"] = Node(Field("end_ts")),
            ["ops"] = ops,
        };
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static JsonArray? Stamp(DateTimeOffset? at) => at is { } time
        ? new JsonArray(time.ToUnixTimeSeconds(), (time.UtcTicks - DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds()).UtcTicks) / 10)
        : null;

    public void Dispose() => rapi.Dispose();
}
