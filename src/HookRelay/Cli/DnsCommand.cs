using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using HookRelay.Reconcile;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Dns;
using HookRelay.Sinks.Messages;

namespace HookRelay.Cli;

/// <summary>`hookrelay dns reconcile`: the DNS sinks' zones made to agree with the cluster's instances as RAPI gives them.</summary>
public static class DnsCommand
{
    public static Command Create(Option<string> configOption)
    {
        var sink = new Option<string?>("--sink") { Description = "Only this DNS sink (default: every powerdns and rfc2136 sink)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan, change nothing" };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON" };
        var reconcile = new Command("reconcile",
            "Read every instance from Ganeti's RAPI and every configured zone, print what differs, then write only that (HookRelay's own records only; a name someone else wrote is a conflict, left as it is)")
        {
            sink, dryRun, json,
        };
        reconcile.SetAction((result, token) => ReconcileAsync(result.GetValue(configOption)!, result.GetValue(sink), result.GetValue(dryRun), result.GetValue(json), Console.Out, Console.Error, token));
        return new Command("dns", "Instance records in DNS (the powerdns and rfc2136 sinks)") { reconcile };
    }

    public static async Task<int> ReconcileAsync(string configPath, string? only, bool dryRun, bool asJson, TextWriter output, TextWriter err, CancellationToken token)
    {
        if (ConfigOption.LoadOrReport(configPath, err) is not { } config)
        {
            return ExitCodes.Failed;
        }
        var chosen = config.Sinks.Values.Where(s => (s.Type == DnsSink.PowerDns.Name || s.Type == DnsSink.Rfc2136.Name) && (only is null || s.Name == only)).ToList();
        if (chosen.Count == 0)
        {
            err.WriteLine(only is null
                ? $"hookrelay: dns reconcile: {configPath} has no powerdns or rfc2136 sink"
                : $"hookrelay: dns reconcile: {configPath} has no powerdns or rfc2136 sink '{only}'");
            return ExitCodes.Failed;
        }
        var reports = new List<Report>();
        var failed = false;
        foreach (var sinkConfig in chosen)
        {
            try
            {
                var report = await ReconcileOneAsync(sinkConfig, RouteTexts.From(config), dryRun, token).ConfigureAwait(false);
                reports.Add(report);
                if (!dryRun && !(report.Plan.IsEmpty && report.Plan.Refusals.Count == 0))
                {
                    try
                    {
                        ReconcileEvent.Publish(config, "dns", sinkConfig.Name, report.Cluster, report.Plan.Changes.Count, report.Summary, report.Plan.Refusals.Count);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // The zones are written; only the report of it is lost, and this line has it.
                        err.WriteLine($"hookrelay: dns reconcile: sink '{sinkConfig.Name}': its reconcile event could not be queued: {Logging.HookLog.OneLine(e.Message)}");
                    }
                }
                failed |= report.Plan.Refusals.Count > 0;
                if (!asJson)
                {
                    report.Print(output);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or SecretException or IOException or HttpRequestException or TimeoutException
                or DnsProviderException or JsonException or InvalidDataException or System.Security.Cryptography.CryptographicException or FormatException)
            {
                err.WriteLine($"hookrelay: dns reconcile: sink '{sinkConfig.Name}': {Logging.HookLog.OneLine(e.Message)}");
                failed = true;
            }
        }
        if (asJson)
        {
            OutboxCli.WriteJson(writer =>
            {
                writer.WriteStartObject();
                writer.WriteBoolean("dry_run", dryRun);
                writer.WriteStartArray("sinks");
                foreach (var report in reports)
                {
                    report.Write(writer);
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            });
        }
        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static async Task<Report> ReconcileOneAsync(SinkConfig sinkConfig, RouteTexts texts, bool dryRun, CancellationToken token)
    {
        using var built = (DnsSink)SinkFactory.Create(sinkConfig, texts);
        var rapi = built.Rapi ?? throw new InvalidOperationException("reconcile reads the cluster from Ganeti's RAPI: set rapi.url (https://MASTER:5080), and rapi.user, rapi.password and rapi.certificate as needed");
        var clock = Stopwatch.StartNew();
        var cluster = await rapi.ClusterNameAsync(token).ConfigureAwait(false);
        var instances = await rapi.InstancesAsync(built.Zones.Layout.Eui64, token).ConfigureAwait(false);
        var read = clock.Elapsed;
        var plan = await built.Zones.PlanAllAsync(instances, built.OwnerFor(cluster), token).ConfigureAwait(false);
        var planned = clock.Elapsed;
        if (!dryRun)
        {
            await built.Zones.ApplyAsync(plan, token).ConfigureAwait(false);
        }
        return new Report(sinkConfig.Name, cluster, built.Zones.Provider.Display, rapi.Display, instances.Count, plan, dryRun, read, planned - read, clock.Elapsed - planned);
    }

    private sealed record Report(string Sink, string Cluster, string Server, string Rapi, int Instances, DnsPlan Plan, bool DryRun, TimeSpan Read, TimeSpan Planned, TimeSpan Written)
    {
        /// <summary>"5 RRsets written (2 create, 1 update, 2 delete); conflict at ...": what the reconcile event says.</summary>
        public string Summary
        {
            get
            {
                var said = Plan.IsEmpty ? "nothing written" : $"{Plan.Changes.Count} RRsets written ({Plan.Counts})";
                return Plan.Refusals.Count == 0 ? said : $"{said}; {string.Join("; ", Plan.Refusals)}";
            }
        }

        public void Print(TextWriter output)
        {
            output.WriteLine($"sink '{Sink}' ({Server}): {Instances} instances from {Rapi}");
            output.Write(Plan.Describe());
            output.WriteLine(Plan.IsEmpty
                ? $"in sync (read {Read.TotalMilliseconds:0} ms, planned {Planned.TotalMilliseconds:0} ms)"
                : $"{(DryRun ? "would write" : "wrote")} {Plan.Changes.Count} RRsets ({Plan.Counts}) (read {Read.TotalMilliseconds:0} ms, zones + plan {Planned.TotalMilliseconds:0} ms, writes {Written.TotalMilliseconds:0} ms)");
        }

        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("sink", Sink);
            writer.WriteString("server", Server);
            writer.WriteNumber("instances", Instances);
            writer.WriteStartArray("changes");
            foreach (var change in Plan.Changes)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", change.Kind.ToString().ToLowerInvariant());
                writer.WriteString("instance", change.Instance);
                writer.WriteString("name", change.Change.Key.Name);
                writer.WriteString("type", change.Change.Key.Type);
                if (change.Change is RecordChange.Replace { Set: var set })
                {
                    writer.WriteNumber("ttl", set.Ttl);
                    OutboxCli.WriteStrings(writer, "values", set.Values);
                }
                if (change.Before is { } before)
                {
                    OutboxCli.WriteStrings(writer, "before", before.Values);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            OutboxCli.WriteStrings(writer, "conflicts", Plan.Conflicts.Select(c => c.ToString()));
            OutboxCli.WriteStrings(writer, "problems", Plan.Problems);
            writer.WriteBoolean("applied", !DryRun);
            writer.WriteNumber("read_ms", (long)Read.TotalMilliseconds);
            writer.WriteNumber("plan_ms", (long)Planned.TotalMilliseconds);
            writer.WriteNumber("write_ms", (long)Written.TotalMilliseconds);
            writer.WriteEndObject();
        }
    }
}
