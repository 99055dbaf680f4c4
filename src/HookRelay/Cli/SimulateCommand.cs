using System.CommandLine;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Gates;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;

namespace HookRelay.Cli;

/// <summary>
/// `hookrelay simulate`: what the hook would do for an environment on a node (the event, the
/// node's roles, which routes, gates and actions apply and why, what would be sent), with no side effects.
/// </summary>
public static class SimulateCommand
{
    public static Command Create(Option<string> configOption)
    {
        var hook = new Argument<string>("hooks-path") { Description = $"The hooks path, one of: {Samples.KnownPaths}" };
        var phase = new Option<string>("--phase") { Description = "pre or post (default: from the env file, else post)" };
        phase.AcceptOnlyFromAmong("pre", "post");
        var envFile = new Option<string>("--env-file")
        {
            Description = "Environment to use: a Ganeti lab capture (JSON), a JSON object, or KEY=VALUE lines. Default: a built-in sample",
        };
        var set = new Option<string[]>("--set") { Description = "Override a variable: KEY=VALUE (GANETI_ may be left out); repeatable", AllowMultipleArgumentsPerToken = false };
        var node = new Option<string>("--node") { Description = "Simulate on this node (FQDN). Default: this host, as the hook would" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var command = new Command("simulate", "Show what the hook would do for one hooks path and phase, without doing it")
        {
            hook, phase, envFile, set, node, json,
        };
        command.SetAction(result => Run(new Request(
            result.GetValue(configOption)!, result.GetValue(hook)!, result.GetValue(phase), result.GetValue(envFile),
            result.GetValue(set) ?? [], result.GetValue(node), result.GetValue(json)), Console.Out, Console.Error));
        return command;
    }

    /// <summary>
    /// Sets one variable; a new instance name also renames the operation's target wherever it
    /// named the old one (OP_TARGET and the post copies), as Ganeti would have, unless those are set too.
    /// </summary>
    private static void Set(SortedDictionary<string, string> vars, string key, string value, string[] sets)
    {
        if (key == "GANETI_INSTANCE_NAME" && vars.GetValueOrDefault(key) is { } old)
        {
            foreach (var follower in new[] { "GANETI_OP_TARGET", "GANETI_POST_OP_TARGET", "GANETI_POST_INSTANCE_NAME" })
            {
                var named = sets.Any(s => s.StartsWith(follower + "=", StringComparison.Ordinal) || s.StartsWith(follower[HookEventParser.Prefix.Length..] + "=", StringComparison.Ordinal));
                if (!named && vars.GetValueOrDefault(follower) == old)
                {
                    vars[follower] = value;
                }
            }
        }
        vars[key] = value;
    }

    /// <param name="SsconfDir">Where this machine's Ganeti keeps its ssconf files; default <see cref="LocalCluster.DefaultDirectory"/>.</param>
    public sealed record Request(string Config, string Hook, string? Phase, string? EnvFile, string[] Sets, string? Node, bool Json, string? SsconfDir = null);

    private static readonly TimeSpan SampleDuration = TimeSpan.FromMilliseconds(4200);

    /// <summary>
    /// A built-in sample is a run on the lab's two nodes. On a Ganeti node it is moved onto this
    /// cluster (its names from ssconf), so the node simulated has the roles it would have; elsewhere,
    /// a node the sample does not know is told which ones it does.
    /// </summary>
    private static void FitSampleToThisMachine(SortedDictionary<string, string> vars, string node, string ssconfDir, TextWriter err)
    {
        if (LocalCluster.Read(ssconfDir) is { } cluster)
        {
            var moved = cluster.Adopt(vars);
            err.WriteLine($"hookrelay: note: the sample runs on this machine's cluster {cluster.Name} (from {ssconfDir}/ssconf_*): "
                + string.Join(", ", moved.Select(m => $"{m.Sample} → {m.Here}")));
            return;
        }
        var known = LocalCluster.NodesIn(vars);
        if (known.Count > 0 && !known.Contains(node, StringComparer.Ordinal))
        {
            err.WriteLine($"hookrelay: note: {node} is not a node of the built-in sample, so it has no role in it (the sample's nodes: "
                + $"{string.Join(", ", known)}; its master {vars.GetValueOrDefault("GANETI_MASTER") ?? "-"}): give --node one of them, or run this on a Ganeti node");
        }
    }

    public static int Run(Request request, TextWriter output, TextWriter err)
    {
        var config = ConfigOption.LoadOrReport(request.Config, err);
        if (config is null)
        {
            return ExitCodes.Failed;
        }
        if (request.EnvFile is null && HooksCatalog.Find(request.Hook) is null)
        {
            // With an environment of its own, a path this version does not know can still be simulated.
            err.WriteLine($"hookrelay: {Samples.UnknownPath(request.Hook)}; give --env-file to simulate a path this version does not know");
            return ExitCodes.Usage;
        }
        SortedDictionary<string, string> vars;
        try
        {
            vars = request.EnvFile is null
                ? Samples.For(request.Hook, request.Phase ?? "post")
                : EnvFile.Read(request.EnvFile);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            err.WriteLine($"hookrelay: cannot read the environment: {e.Message}");
            return ExitCodes.Failed;
        }
        if (vars.TryGetValue("GANETI_HOOKS_PATH", out var fileHook) && fileHook != request.Hook)
        {
            err.WriteLine($"hookrelay: note: the environment is of hooks path '{fileHook}'; simulating it as '{request.Hook}'");
        }
        vars["GANETI_HOOKS_PATH"] = request.Hook;
        vars["GANETI_HOOKS_PHASE"] = request.Phase ?? vars.GetValueOrDefault("GANETI_HOOKS_PHASE") ?? "post";
        var node = request.Node ?? NodeNames.Local(config.NodeName);
        if (request.EnvFile is null)
        {
            FitSampleToThisMachine(vars, node, request.SsconfDir ?? LocalCluster.DefaultDirectory, err);
        }
        foreach (var assignment in request.Sets)
        {
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                err.WriteLine($"hookrelay: --set '{assignment}': expected KEY=VALUE");
                return ExitCodes.Usage;
            }
            var key = assignment[..eq];
            Set(vars, key.StartsWith(HookEventParser.Prefix, StringComparison.Ordinal) ? key : HookEventParser.Prefix + key, assignment[(eq + 1)..], request.Sets);
        }
        var ev = HookEventParser.Parse(HookEventParser.GanetiVariables((IEnumerable<KeyValuePair<string, string>>)vars), node);
        var now = DateTimeOffset.UtcNow;
        if (ev.Phase == "post" && ev.Timing is null)
        {
            // A real post run measures it from its pre run on the node; {{ duration }} would be empty without one.
            ev = ev with { Timing = new RunTiming(now - SampleDuration, (long)SampleDuration.TotalMilliseconds) };
            err.WriteLine($"hookrelay: note: a sample duration of {TextFormats.Duration((long)SampleDuration.TotalMilliseconds)} (a real post run measures it from its pre run on this node)");
        }
        var (plan, verdicts) = GateEvaluator.Decide(config, Planner.Plan(config, ev), now, HttpPolicies.Ask);
        var cloudEvent = CloudEvent.For(plan.Event, now);
        if (request.Json)
        {
            WriteJson(plan, verdicts, cloudEvent, config);
        }
        else
        {
            WriteText(plan, verdicts, cloudEvent, config, output);
        }
        return ExitCodes.Ok;
    }

    private static void WriteText(Plan plan, IReadOnlyList<GateVerdict> verdicts, CloudEvent cloudEvent, HookRelayConfig config, TextWriter output)
    {
        var ev = plan.Event;
        output.WriteLine($"event    {cloudEvent.Type}  subject {ev.Target ?? "-"}  cluster {ev.Cluster ?? "-"}{(ev.KnownHook ? "" : "  (not in the catalog: generic event)")}");
        foreach (var fact in EventFacts.Describe(ev))
        {
            output.WriteLine($"         {fact}");
        }
        output.WriteLine($"opkey    {cloudEvent.OpKey}");
        output.WriteLine($"node     {ev.Node.Name}  roles: {(ev.Node.Roles.Count == 0 ? "none" : string.Join(", ", ev.Node.Roles))}");
        WriteDecisions(output, "routes", plan.Routes);
        WriteDecisions(output, "gates", plan.Gates);
        WriteDecisions(output, "actions", plan.Actions);
        output.WriteLine("would send");
        if (plan.Deliveries.Count == 0)
        {
            output.WriteLine("  nothing");
        }
        var texts = RouteTexts.From(config);
        var cloudEventJson = cloudEvent.ToJsonUtf8();
        foreach (var delivery in plan.Deliveries)
        {
            if (ActionDestination.IsAction(delivery.Sink, out var action))
            {
                output.WriteLine($"  action → '{action}', run by this node's daemon like a delivery (retries, dead letters); "
                    + "its outcome is an event of kind \"action\" for the routes that ask for it");
                continue;
            }
            var sink = config.Sinks[delivery.Sink];
            var where = sink.Settings.TryGetValue("path", out var path) ? $" ({path})" : "";
            output.WriteLine($"  {delivery.Route} → {sink.Type} sink '{sink.Name}'{where}: {cloudEvent.Type}, {cloudEventJson.Length} bytes of CloudEvents JSON");
            var message = new SinkMessage(cloudEvent.Id, delivery.Route, cloudEvent.Type, cloudEventJson) { DataLast = true };
            using var view = message.View();
            output.WriteLine($"    text: {texts.Render(message, view, TextFormat.Plain)}");
            if (sink.Settings.TryGetValue("body", out var body) && Template.TryParse(body, out var template, out _))
            {
                // What the receiver would get instead of the CloudEvent: the sink's own body.
                var declared = sink.Settings.GetValueOrDefault("content_type") ?? "application/json";
                output.WriteLine(System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(declared, out var contentType)
                    ? $"    body: {Logging.HookLog.OneLine(template!.Render(view, WebhookSink.FormatOf(contentType)))}"
                    : $"    body: none: content_type '{declared}' is not a media type, so this sink cannot be used (see 'hookrelay config check')");
            }
        }
        foreach (var verdict in verdicts)
        {
            var outcome = verdict.Allowed ? verdict.Name : verdict.Name.ToUpperInvariant();
            output.WriteLine($"  gate '{verdict.Gate}': {outcome}{(verdict.Outcome is GateOutcome.Error or GateOutcome.Timeout ? (verdict.Allowed ? " (allowed)" : " (DENIED)") : "")}: {verdict.Reason}");
        }
        var denial = verdicts.FirstOrDefault(v => !v.Allowed);
        output.WriteLine(verdicts.Count == 0 ? "would deny  nothing (no gate applies)"
            : denial is null ? "would deny  nothing (every gate that applies allows)"
            : $"would deny  yes, exit 1: hookrelay: {denial.Sentence}");
    }

    private static void WriteDecisions(TextWriter output, string title, IReadOnlyList<Decision> decisions)
    {
        output.WriteLine(title);
        if (decisions.Count == 0)
        {
            output.WriteLine("  none configured");
        }
        foreach (var d in decisions)
        {
            output.WriteLine($"  {(d.Applies ? "yes" : "no ")}  {d.Name}: {d.Reason}");
        }
    }

    private static void WriteJson(Plan plan, IReadOnlyList<GateVerdict> verdicts, CloudEvent cloudEvent, HookRelayConfig config)
    {
        using var stream = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("node", plan.Event.Node.Name);
            writer.WriteStartArray("roles");
            foreach (var role in plan.Event.Node.Roles)
            {
                writer.WriteStringValue(role);
            }
            writer.WriteEndArray();
            WriteDecisionsJson(writer, "routes", plan.Routes);
            WriteDecisionsJson(writer, "gates", plan.Gates);
            WriteDecisionsJson(writer, "actions", plan.Actions);
            // The same shape as the event's data.gates.
            writer.WritePropertyName("verdicts");
            GateResultJson.Write(writer, verdicts.Select(v => v.ToResult()));
            writer.WriteBoolean("denied", verdicts.Any(v => !v.Allowed));
            writer.WriteStartArray("deliveries");
            foreach (var d in plan.Deliveries)
            {
                writer.WriteStartObject();
                writer.WriteString("route", d.Route);
                writer.WriteString("sink", d.Sink);
                writer.WriteString("sink_type", ActionDestination.IsAction(d.Sink, out _) ? ActionDestination.Route : config.Sinks[d.Sink].Type);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WritePropertyName("event");
            cloudEvent.WriteTo(writer);
            writer.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    private static void WriteDecisionsJson(Utf8JsonWriter writer, string name, IReadOnlyList<Decision> decisions)
    {
        writer.WriteStartArray(name);
        foreach (var d in decisions)
        {
            writer.WriteStartObject();
            writer.WriteString("name", d.Name);
            writer.WriteBoolean("applies", d.Applies);
            writer.WriteString("reason", d.Reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
