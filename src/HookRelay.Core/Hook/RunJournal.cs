using System.Buffers;
using System.Text.Json;
using HookRelay.Events;

namespace HookRelay.Hook;

/// <summary>
/// One JSON line (<see cref="JsonLines"/>) per hook run in state_dir/hook-runs.jsonl: when, which hooks path and phase, on
/// which node, what it did ("result": queued, nothing, denied or error; "outcome": the sentence,
/// which sinks, which gate) and how long
/// HookRelay took inside the Ganeti job. It answers "did the hook run here, and what did it do?"
/// without syslog, and is what the demo's timeline reads. Appended with O_APPEND in one write(),
/// so hooks running at once on a node never interleave; past 1 MB it moves to hook-runs.jsonl.1.
/// Best effort: a journal that cannot be written never fails a hook.
/// </summary>
public static class RunJournal
{
    public const string FileName = "hook-runs.jsonl";

    /// <param name="Gates">What each gate decided (pre runs with gates); null when none ran. The daemon's /metrics counts them.</param>
    public sealed record Entry(DateTimeOffset Time, string Hook, string Phase, string Node, string? Target, int Exit, double Milliseconds, RunOutcome Outcome,
        IReadOnlyList<GateResult>? Gates = null);

    public static void Write(string stateDir, Entry entry) => JsonLines.Append(stateDir, FileName, Line(entry));

    /// <summary>The last <paramref name="count"/> runs recorded on this node, oldest first; unreadable lines are skipped.</summary>
    public static IReadOnlyList<JsonElement> Recent(string stateDir, int count) => JsonLines.Recent(stateDir, FileName, count);

    private static byte[] Line(Entry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Events.JsonOnlyEncoder.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("time", entry.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("hook", entry.Hook);
            writer.WriteString("phase", entry.Phase);
            writer.WriteString("node", entry.Node);
            if (entry.Target is not null)
            {
                writer.WriteString("target", entry.Target);
            }
            writer.WriteNumber("exit", entry.Exit);
            writer.WriteNumber("ms", Math.Round(entry.Milliseconds, 2));
            writer.WriteString("result", entry.Outcome.Result);
            writer.WriteString("outcome", entry.Outcome.Sentence);
            if (entry.Outcome.EventId is { } eventId)
            {
                writer.WriteString("event", eventId);
            }
            if (entry.Gates is { Count: > 0 } gates)
            {
                writer.WriteStartArray("gates");
                foreach (var gate in gates)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", gate.Name);
                    writer.WriteString("verdict", gate.Verdict);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
