using System.Buffers;
using System.Text.Json;
using HookRelay.Hook;

namespace HookRelay.Actions;

/// <summary>
/// One JSON line per finished action run in state_dir/action-runs.jsonl: when, which action, for
/// what, and what it came to (done, skipped, failed) and why. `status` shows the last ones; it
/// outlives the daemon or drainer that ran them.
/// </summary>
public static class ActionJournal
{
    public const string FileName = "action-runs.jsonl";

    public static void Write(string stateDir, DateTimeOffset time, string action, string subject, string outcome, string reason, string eventId)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("time", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("action", action);
            writer.WriteString("subject", subject);
            writer.WriteString("outcome", outcome);
            writer.WriteString("reason", reason);
            writer.WriteString("event", eventId);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        JsonLines.Append(stateDir, FileName, buffer.WrittenSpan.ToArray());
    }

    public static IReadOnlyList<JsonElement> Recent(string stateDir, int count) => JsonLines.Recent(stateDir, FileName, count);
}
