using System.Text.Json;
using HookRelay.Events;

namespace HookRelay.Outbox;

/// <summary>
/// An event from any source as the outbox keeps it until every sink has it: what it is (kind and
/// format of its payload), the CloudEvents attributes scheduling and the commands need (id, type,
/// subject, source), the key its deliveries are ordered by, and the payload itself. A hook run
/// stores a <see cref="Kinds.Hook"/> payload (its <see cref="HookRecord"/>: the daemon renders
/// the CloudEvent, so the hook skips that work); a producer that renders its own event (job
/// events, action outcomes, reconcilers) stores <see cref="Kinds.CloudEvent"/>.
/// </summary>
public sealed record OutboxEnvelope(string EventId, DateTimeOffset Time, string Kind, string Type, string? Subject, string OrderingKey, byte[] Payload)
{
    /// <summary>The payload's format within its kind: a later HookRelay that changes one bumps it, and old rows stay readable.</summary>
    public int Format { get; init; } = 1;

    public static class Kinds
    {
        /// <summary>A <see cref="HookRecord"/> (JSON): what Ganeti gave a hook run.</summary>
        public const string Hook = "hook";

        /// <summary>A CloudEvents 1.0 document in structured JSON, sent as it is.</summary>
        public const string CloudEvent = "cloudevent";
    }

    /// <summary>
    /// An event rendered by its producer. Checked now, so a malformed one is the producer's error
    /// at enqueue, not a dead letter later: a JSON object with the CloudEvents attributes id,
    /// source, specversion and type, the id and type the same as the envelope's.
    /// </summary>
    public static OutboxEnvelope ForCloudEvent(byte[] document, string orderingKey, DateTimeOffset time)
    {
        using var json = JsonDocument.Parse(document);
        var root = json.RootElement;
        string Required(string attribute) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(attribute, out var value) && value.ValueKind == JsonValueKind.String
                && value.GetString() is { Length: > 0 } text
                ? text
                : throw new FormatException($"a CloudEvent needs a non-empty string '{attribute}'");
        _ = Required("specversion");
        _ = Required("source");
        var subject = root.TryGetProperty("subject", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return new OutboxEnvelope(Required("id"), time, Kinds.CloudEvent, Required("type"), subject, orderingKey, document);
    }

    /// <summary>
    /// Whether <see cref="Render"/> writes a kind's document itself (<see cref="CloudEvent.WriteTo"/>:
    /// attributes first, data last), so a reader may stop at data. A producer's own document may
    /// be in any order.
    /// </summary>
    public static bool RendersDataLast(string kind) => kind == Kinds.Hook;

    /// <summary>The CloudEvents document to send; throws <see cref="FormatException"/> for a kind or format this build cannot read.</summary>
    /// <param name="jobs">Where a hook run's job is found (the daemon's join); none, the event has no data.job.</param>
    public static byte[] Render(string kind, int format, byte[] payload, IJobJoin? jobs = null) => (kind, format) switch
    {
        (Kinds.Hook, 1) => HookRecord.Parse(payload).ToCloudEvent(jobs).ToJsonUtf8(),
        (Kinds.CloudEvent, 1) => payload,
        _ => throw new FormatException($"it was stored as {kind} format {format}, which this HookRelay cannot read (a newer one wrote it)"),
    };
}
