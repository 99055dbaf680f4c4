using System.Globalization;

namespace HookRelay.Sinks.Messages;

/// <summary>
/// The sentence a chat message, an annotation or an e-mail subject says when the route has no
/// text of its own: what happened to what, where, and how long it took, e.g. "web-1
/// live-migrated node1 → node2 on cluster c1 (4.2 s)" or "instance-add web-2 denied by gate
/// 'naming': …". Written from the event's typed fields, one phrase per hooks path.
/// </summary>
public static class DefaultMessages
{
    /// <summary>Hooks paths whose post event says no more than "&lt;object&gt; &lt;verb&gt;".</summary>
    private static readonly Dictionary<string, string> Verbs = new(StringComparer.Ordinal)
    {
        ["instance-remove"] = "removed",
        ["instance-stop"] = "stopped",
        ["instance-modify"] = "modified",
        ["instance-export"] = "exported",
        ["instance-change-group"] = "moved to another node group",
        ["instance-recreate-disks"] = "had its disks recreated",
        ["mirrors-replace"] = "had its disks replaced",
        ["node-add"] = "added",
        ["node-remove"] = "removed",
        ["node-modify"] = "modified",
        ["node-migrate"] = "evacuated: its primary instances migrated away",
        ["group-add"] = "added",
        ["group-modify"] = "modified",
        ["group-remove"] = "removed",
        ["group-rename"] = "renamed",
        ["group-evacuate"] = "evacuated",
        ["network-add"] = "added",
        ["network-modify"] = "modified",
        ["network-remove"] = "removed",
        ["network-rename"] = "renamed",
        ["cluster-init"] = "initialised",
        // Ganeti runs this post hook whatever verify found and gives hooks none of it: say only what is known.
        ["cluster-verify"] = "verify ran; its findings are in the job log (Ganeti does not give them to hooks)",
        ["cluster-modify"] = "modified",
        ["cluster-rename"] = "renamed",
        ["cluster-destroy"] = "destroyed",
    };

    public static Sentence For(EventView ev)
    {
        var sentence = new Sentence();
        // HookRelay's own events carry the data of the event they are about, duration included: that was the operation's.
        var own = ev.Text($"{Rules.EventFields.OwnPath}.{Rules.EventFields.KindName}");
        var ownEvent = own is not null;
        if (own == Rules.EventFields.ActionKind)
        {
            ActionOutcome(ev, sentence);
        }
        else if (own == Rules.EventFields.DeadLetterKind)
        {
            DeadLetter(ev, sentence);
        }
        else if (own == Rules.EventFields.ReconcileKind)
        {
            Reconcile(ev, sentence);
        }
        else if (own == Rules.EventFields.JobKind)
        {
            Job(ev, sentence);
            ownEvent = false; // a job is on its cluster, like a hook run
        }
        else if (ev.Phase == "pre")
        {
            Pre(ev, sentence);
        }
        else if (!Post(ev, sentence))
        {
            sentence.Text(ev.Hook + " ").Strong(ev.Target ?? "(no target)").Text($" ({ev.Phase})");
        }
        // An own event's sentence ends with its reason.
        if (!ownEvent && !ev.Hook.StartsWith("cluster-", StringComparison.Ordinal) && ev.Text("cluster") is { } cluster)
        {
            sentence.Text(" on cluster " + cluster);
        }
        if (ev.DurationMs is { } took && !ownEvent)
        {
            sentence.Text($" ({TextFormats.Duration(took)})");
        }
        return sentence;
    }

    /// <summary>An action's outcome: "action disk_resize for web-3 on node1: done: disk 0 … grown …".</summary>
    private static void ActionOutcome(EventView ev, Sentence sentence)
    {
        var own = Rules.EventFields.OwnPath;
        sentence.Text($"action {ev.Text($"{own}.{Rules.EventFields.ActionName}")} for ").Strong(ev.Target ?? "(no target)")
            .Text($" on {ev.Text("node.name") ?? "?"}: {ev.Text($"{own}.{Rules.EventFields.OutcomeName}")}: {ev.Text($"{own}.reason")}");
    }

    /// <summary>A delivery given up: "dead letter: sink 'slack' gave up on org.ganeti.instance-migrate.post for web-1 after 100 attempts: …".</summary>
    private static void DeadLetter(EventView ev, Sentence sentence)
    {
        var own = Rules.EventFields.OwnPath;
        sentence.Text($"dead letter: sink '{ev.Text($"{own}.{Rules.EventFields.SinkName}")}' gave up on {ev.Text($"{own}.about.type")} for ").Strong(ev.Target ?? "(no target)")
            .Text($" after {ev.Text($"{own}.attempts")} attempts: {ev.Text($"{own}.reason")}");
    }

    /// <summary>
    /// A job's step: "job 8 INSTANCE_MIGRATE(web-1) failed after 0.4 s: OpPrereqError: …",
    /// "job 3 INSTANCE_CREATE(web-1) queued by gnt:client:gnt-instance add".
    /// </summary>
    private static void Job(EventView ev, Sentence sentence)
    {
        var own = Rules.EventFields.OwnPath;
        var step = ev.Text($"{own}.step");
        sentence.Text($"job {ev.Text("job.id")} ").Strong(ev.Text("job.summary") ?? "");
        var took = ev.Number("job.duration_ms") is { } ms ? TextFormats.Duration(ms) : null;
        switch (step)
        {
            case "queued":
                sentence.Text(ev.List("job.reason") is { Count: > 0 } reason ? $" queued by {reason[0]}" : " queued");
                break;
            case "started":
                sentence.Text(" started");
                break;
            case "opcode-started" or "opcode-finished":
                var index = ev.Text($"{own}.opcode") ?? "0";
                var op = $"job.opcodes.{index}";
                sentence.Text($": opcode {index} {ev.Text($"{op}.op_id")}{(ev.Text($"{op}.target") is { } t ? " " + t : "")} "
                    + (step == "opcode-started" ? "started" : ev.Text($"{op}.status")));
                if (step == "opcode-finished" && ev.Text($"{op}.error") is { } opError)
                {
                    sentence.Text($": {opError}");
                }
                break;
            case "success":
                sentence.Text(took is null ? " succeeded" : $" succeeded in {took}");
                break;
            case "error":
                sentence.Text((took is null ? " failed" : $" failed after {took}") + (ev.Text("job.error") is { } error ? $": {error}" : ""));
                break;
            default:
                sentence.Text($" {step}");
                break;
        }
    }

    private static void Reconcile(EventView ev, Sentence sentence)
    {
        var own = Rules.EventFields.OwnPath;
        sentence.Text($"{ev.Text($"{own}.what")} reconcile of sink '{ev.Text($"{own}.{Rules.EventFields.SinkName}")}' on ").Strong(ev.Text("cluster") ?? "(no cluster)")
            .Text($": {ev.Text($"{own}.reason")}");
    }

    /// <summary>A pre event is news for its gate verdicts; otherwise it says the operation is starting.</summary>
    private static void Pre(EventView ev, Sentence sentence)
    {
        // Every catalog path has a target (OperationTarget); only an unknown path may lack one.
        var subject = ev.Target ?? "(no target)";
        if (ev.Data.TryGetProperty("gates", out var gates) && gates.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            var verdicts = gates.EnumerateArray().Select(g => new EventView(g)).ToList();
            if (verdicts.FirstOrDefault(g => g.Flag("allowed") == false) is { } denial)
            {
                sentence.Text(ev.Hook + " ").Strong(subject).Text($" denied by gate '{denial.Text("name")}': {denial.Text("reason")}");
                return;
            }
            if (verdicts.FirstOrDefault(g => g.Text("verdict") is "error" or "timeout") is { } undecided)
            {
                sentence.Text(ev.Hook + " ").Strong(subject).Text($" allowed although gate '{undecided.Text("name")}' could not decide: {undecided.Text("reason")}");
                return;
            }
        }
        sentence.Text(ev.Hook + " ").Strong(subject).Text(" starting");
    }

    private static bool Post(EventView ev, Sentence s)
    {
        var instance = ev.Text("instance.name") ?? ev.Target;
        switch (ev.Hook)
        {
            case "instance-migrate" when ev.Flag("migrate.cleanup") == true:
                s.Strong(instance).Text(" migration cleaned up");
                return true;
            case "instance-migrate":
                s.Strong(instance).Text(ev.Flag("migrate.live") == false ? " migrated (not live) " : " live-migrated ")
                    .Text($"{ev.Text("migrate.old_primary")} → {ev.Text("migrate.new_primary")}");
                return true;
            case "instance-failover":
                s.Strong(instance).Text($" failed over {ev.Text("failover.old_primary")} → {ev.Text("failover.new_primary")}");
                return true;
            case "disk-grow":
                DiskGrow(ev, s.Strong(instance));
                return true;
            case "instance-add":
                Add(ev, s.Strong(instance));
                return true;
            case "instance-rename":
                s.Text(ev.Text("rename.old_name") ?? ev.Target).Text(" renamed to ").Strong(ev.Text("rename.new_name"));
                return true;
            case "instance-start":
                s.Strong(instance).Text(ev.Text("instance.primary") is { } node ? $" started on {node}" : " started");
                return true;
            case "instance-reboot":
                s.Strong(instance).Text(ev.Text("reboot.type") is { } type ? $" rebooted ({type})" : " rebooted");
                return true;
            case "instance-reinstall":
                s.Strong(instance).Text(ev.Text("instance.os") is { } os ? $" reinstalled with {os}" : " reinstalled");
                return true;
            case "instance-move":
                // The disks are copied to the target node; the event's instance.primary is still the node it left.
                var from = ev.Text("instance.primary");
                var to = ev.Text("params.target_node") ?? ev.Text("post.instance.primary");
                s.Strong(instance).Text(to is null ? " moved" : from is null || from == to ? $" moved to {to}" : $" moved {from} → {to}");
                return true;
            case "network-connect" or "network-disconnect":
                // Ganeti does not say which network (GANETI_NETWORK_* is absent): the group is the news.
                s.Text(ev.Text("network.name") is { } network ? $"network {network}" : "a network")
                    .Text(ev.Hook == "network-connect" ? " connected to node group " : " disconnected from node group ")
                    .Strong(ev.Text("group.name"));
                if (ev.Text("group.network_mode") is { } mode)
                {
                    s.Text($" ({mode}{(ev.Text("group.network_link") is { Length: > 0 } link ? ", link " + link : "")})");
                }
                return true;
            case "config-update":
                // Ganeti's global post hook: the configuration was written by some other operation.
                s.Text($"configuration changed by {ev.Text("op_code") ?? "an operation"} for ")
                    .Strong(ev.Target ?? ev.Text("cluster"));
                return true;
            case "master-ip-turnup" or "master-ip-turndown":
                s.Text("master IP ").Text(ev.Hook == "master-ip-turnup" ? "brought up on " : "taken down on ").Strong(ev.Target);
                return true;
        }
        if (!Verbs.TryGetValue(ev.Hook, out var verb))
        {
            return false;
        }
        var (kind, name) = ev.Hook.Split('-')[0] switch
        {
            "node" => ("node ", ev.Text("node_target.name") ?? ev.Target),
            "group" => ("node group ", ev.Text("group.name") ?? ev.Target ?? ev.Text("rename.old_name")),
            "network" => ("network ", ev.Text("network.name") ?? ev.Target ?? ev.Text("rename.old_name")),
            "cluster" => ("cluster ", ev.Text("cluster") ?? ev.Target),
            _ => ("", instance),
        };
        s.Text(kind).Strong(name).Text(" " + verb);
        if (ev.Hook.EndsWith("-rename", StringComparison.Ordinal) && ev.Text("rename.new_name") is { } renamed)
        {
            s.Text(" to " + renamed);
        }
        return true;
    }

    private static void DiskGrow(EventView ev, Sentence s)
    {
        s.Text($" disk {ev.Text("disk_grow.disk") ?? "?"} grown");
        var old = ev.Number("disk_grow.old_size_mib");
        var now = ev.Number("disk_grow.new_size_mib");
        if (old is { } from && now is { } to)
        {
            s.Text($" {TextFormats.Size(from)} → {TextFormats.Size(to)}");
        }
        else if (ev.Number("disk_grow.amount_mib") is { } amount)
        {
            s.Text(ev.Flag("disk_grow.absolute") == true ? $" to {TextFormats.Size(amount)}" : $" by {TextFormats.Size(amount)}");
        }
    }

    private static void Add(EventView ev, Sentence s)
    {
        s.Text(ev.Text("add.mode") is "import" ? " imported" : " created");
        if (ev.Text("instance.primary") is { } primary)
        {
            s.Text(" on " + primary);
        }
        var facts = new List<string>();
        if (ev.Number("instance.vcpus") is { } vcpus)
        {
            facts.Add(string.Create(CultureInfo.InvariantCulture, $"{vcpus} vCPU{(vcpus == 1 ? "" : "s")}"));
        }
        if (ev.Number("instance.memory_mib") is { } memory)
        {
            facts.Add(TextFormats.Size(memory));
        }
        var sizes = ev.Data.TryGetProperty("instance", out var i) && i.TryGetProperty("disks", out var disks) && disks.ValueKind == System.Text.Json.JsonValueKind.Array
            ? disks.EnumerateArray().Select(d => d.TryGetProperty("size_mib", out var size) && size.TryGetInt64(out var mib) ? mib : 0).ToList()
            : [];
        if (sizes.Count > 0)
        {
            facts.Add(string.Create(CultureInfo.InvariantCulture, $"{sizes.Count} disk{(sizes.Count == 1 ? "" : "s")} of {TextFormats.Size(sizes.Sum())}"));
        }
        if (facts.Count > 0)
        {
            s.Text($" ({string.Join(", ", facts)})");
        }
    }
}
