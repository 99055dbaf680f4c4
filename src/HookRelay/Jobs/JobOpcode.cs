using System.Text.Json;

namespace HookRelay.Jobs;

/// <summary>
/// One opcode of a job: what it did (OP_ID, e.g. OP_INSTANCE_MIGRATE), to which object (the
/// instance, node, group or network it names), how it went (queued, waiting, running, success,
/// error, canceling, canceled), when, Ganeti's error text when it failed, and the reason trail
/// (who asked and through what: gnt:client:gnt-instance, the user, rapi, a watcher).
/// </summary>
public sealed record JobOpcode(string OpId, string? Target, string Status, DateTimeOffset? Started, DateTimeOffset? Ended, string? Error,
    IReadOnlyList<JobReason> Reason)
{
    /// <summary>How far a hook run's time may be off the opcode's: hooks on other nodes run on their clocks, the job's times are the master's.</summary>
    public static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(2);

    /// <summary>Whether the opcode was running at <paramref name="at"/> (started, not ended before it), give or take <paramref name="slack"/>.</summary>
    public bool RanAt(DateTimeOffset at, TimeSpan slack = default) =>
        Started is { } started && started - slack <= at && (Ended is not { } ended || at <= ended + slack);

    /// <summary>The input field naming the opcode's object, most specific first.</summary>
    private static readonly string[] TargetFields = ["instance_name", "node_name", "group_name", "network_name"];

    internal static JobOpcode Parse(JsonElement op)
    {
        var input = op.TryGetProperty("input", out var given) && given.ValueKind == JsonValueKind.Object ? given : default;
        var opId = input.ValueKind == JsonValueKind.Object ? input.StringOf("OP_ID") ?? "" : "";
        var status = op.StringOf("status") ?? "";
        return new JobOpcode(opId, TargetOf(input), status, GanetiJob.TimeOf(op, "start_timestamp"), GanetiJob.TimeOf(op, "end_timestamp"),
            status == "error" && op.TryGetProperty("result", out var result) ? ErrorOf(result) : null, ReasonOf(input));
    }

    private static string? TargetOf(JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var field in TargetFields)
        {
            if (input.StringOf(field) is { Length: > 0 } name)
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>
    /// Ganeti's encoded exception as one sentence: ["OpPrereqError", ["Can't migrate, …", "wrong_state"]]
    /// is its class and first argument; a refusing hook's ["HooksAbort", [[[node, script, output], …]]]
    /// each script with what it printed (the node is a UUID there, of no help to a reader).
    /// </summary>
    internal static string ErrorOf(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Array || result.GetArrayLength() != 2 || result[0].ValueKind != JsonValueKind.String)
        {
            return Text(result);
        }
        var kind = result[0].GetString()!;
        var arguments = result[1];
        if (arguments.ValueKind == JsonValueKind.String)
        {
            return $"{kind}: {arguments.GetString()}";
        }
        if (arguments.ValueKind != JsonValueKind.Array || arguments.GetArrayLength() == 0)
        {
            return kind;
        }
        var first = arguments[0];
        if (first.ValueKind == JsonValueKind.Array && first.EnumerateArray().All(IsScriptResult))
        {
            return $"{kind}: {string.Join("; ", first.EnumerateArray().Select(r => $"{Text(r[1])}: {Text(r[2])}"))}";
        }
        return $"{kind}: {Text(first)}";
    }

    private static bool IsScriptResult(JsonElement entry) => entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() == 3;

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>[[source, reason, nanoseconds], ...], oldest first.</summary>
    private static List<JobReason> ReasonOf(JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object || !input.TryGetProperty("reason", out var trail) || trail.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var reasons = new List<JobReason>();
        foreach (var entry in trail.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() == 3 && entry[2].TryGetInt64(out var nanoseconds))
            {
                reasons.Add(new JobReason(Text(entry[0]), Text(entry[1]), DateTimeOffset.FromUnixTimeMilliseconds(nanoseconds / 1_000_000)));
            }
        }
        return reasons;
    }
}

/// <summary>One step of an opcode's reason trail: where the request passed (gnt:client:gnt-instance, gnt:opcode:…, rapi) and why.</summary>
public sealed record JobReason(string Source, string Text, DateTimeOffset At)
{
    /// <summary>As events carry a trail: "gnt:client:gnt-instance: migrate".</summary>
    public string Line => $"{Source}: {Text}";
}
