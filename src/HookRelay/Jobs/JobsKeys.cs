using System.Text.Json.Nodes;
using HookRelay.Reconcile;
using HookRelay.Sinks.Declaration;

namespace HookRelay.Jobs;

/// <summary>
/// The `jobs:` section: where `serve` on the master reads Ganeti's jobs. Declared like a sink's
/// settings, and its schema ($defs.jobs in schema/hookrelay.schema.json) generated from them.
/// </summary>
public static class JobsKeys
{
    public const string Auto = "auto";
    public const string Queue = "queue";
    public const string Rapi = "rapi";

    public static IReadOnlyList<SinkKey> Keys { get; } =
    [
        SinkKey.Choice("source", "queue: the job queue's files (/var/lib/ganeti/queue); rapi: Ganeti's RAPI (/2/jobs); "
            + "auto (default): the files where the daemon can read them, else the RAPI when jobs.rapi is set.", Auto, Queue, Rapi),
        RapiKeys.Group with { Description = "Ganeti's RAPI on the master (https://127.0.0.1:5080 there): read for jobs where the queue's files cannot be." },
    ];

    public static JsonObject Definition() => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = false,
        ["description"] = "Job events (routes with kind=\"job\"): where `serve` on the master reads Ganeti's job queue.",
        ["properties"] = new JsonObject([.. Keys.Select(k => KeyValuePair.Create(k.Name, (JsonNode?)SinkSchema.Property(k)))]),
    };
}
