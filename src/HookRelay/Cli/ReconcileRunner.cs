using System.Text.Json;
using HookRelay.Reconcile;
using HookRelay.Rules;
using HookRelay.Sinks.Dns;
using HookRelay.Sinks.Messages;
using HookRelay.Sinks.NetBox;

namespace HookRelay.Cli;

/// <summary>How long a reconcile took to read the cluster, to read the far end and plan, and to write.</summary>
public sealed record ReconcileTimes(TimeSpan Read, TimeSpan Planned, TimeSpan Written)
{
    /// <summary>Reads the cluster, plans against the far end, and (without --dry-run) applies, timing each.</summary>
    public static async Task<(TCluster Cluster, TPlan Plan, ReconcileTimes Times)> MeasureAsync<TCluster, TPlan>(Func<Task<TCluster>> read, Func<TCluster, Task<TPlan>> plan,
        Func<TPlan, Task> apply, bool dryRun)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cluster = await read().ConfigureAwait(false);
        var readTime = clock.Elapsed;
        var planned = await plan(cluster).ConfigureAwait(false);
        var planTime = clock.Elapsed;
        if (!dryRun)
        {
            await apply(planned).ConfigureAwait(false);
        }
        return (cluster, planned, new ReconcileTimes(readTime, planTime - readTime, clock.Elapsed - planTime));
    }
}

/// <summary>
/// What one sink's reconcile found and did, as `X reconcile` prints it and its event says it; each
/// kind says what its changes are (<see cref="Unit"/>) and writes them in the JSON its own way.
/// </summary>
public abstract record ReconcileReport(string Sink, string Cluster, string Server, string Rapi, int Instances, bool DryRun, ReconcileTimes Times)
{
    /// <summary>Writes planned (and, without --dry-run, made).</summary>
    public abstract int Changes { get; }

    /// <summary>What was left alone because someone else holds it.</summary>
    public abstract int Refusals { get; }

    /// <summary>What a change is: "RRsets", "changes".</summary>
    protected abstract string Unit { get; }

    /// <summary>"1 create, 2 update".</summary>
    protected abstract string Counts { get; }

    /// <summary>The plan, one line per change, then what was left alone.</summary>
    protected abstract string Plan { get; }

    /// <summary>What was left alone, one phrase each, for the event's reason.</summary>
    protected abstract IEnumerable<string> Refused { get; }

    /// <summary>What reading the far end is called in the timings ("zones + plan").</summary>
    protected abstract string FarEndRead { get; }

    /// <summary>The changes and what was left alone, as the kind's JSON has them.</summary>
    protected abstract void WritePlan(Utf8JsonWriter writer);

    /// <summary>"5 RRsets written (2 create, 1 update, 2 delete); conflict at ...": what the reconcile event says.</summary>
    public string Summary
    {
        get
        {
            var said = Changes == 0 ? "nothing written" : $"{Changes} {Unit} written ({Counts})";
            return Refusals == 0 ? said : $"{said}; {string.Join("; ", Refused)}";
        }
    }

    public void Print(TextWriter output)
    {
        output.WriteLine($"sink '{Sink}' ({Server}): {Instances} instances from {Rapi}");
        output.Write(Plan);
        output.WriteLine(Changes == 0
            ? $"in sync (read {Times.Read.TotalMilliseconds:0} ms, planned {Times.Planned.TotalMilliseconds:0} ms)"
            : $"{(DryRun ? "would write" : "wrote")} {Changes} {Unit} ({Counts}) (read {Times.Read.TotalMilliseconds:0} ms, {FarEndRead} {Times.Planned.TotalMilliseconds:0} ms, writes {Times.Written.TotalMilliseconds:0} ms)");
    }

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("sink", Sink);
        writer.WriteString("server", Server);
        writer.WriteNumber("instances", Instances);
        WritePlan(writer);
        writer.WriteBoolean("applied", !DryRun);
        writer.WriteNumber("read_ms", (long)Times.Read.TotalMilliseconds);
        writer.WriteNumber("plan_ms", (long)Times.Planned.TotalMilliseconds);
        writer.WriteNumber("write_ms", (long)Times.Written.TotalMilliseconds);
        writer.WriteEndObject();
    }
}

/// <summary>
/// The shape every `X reconcile` command shares: the sinks of its types (or the one named), each
/// reconciled on its own (one failing does not stop the others), a reconcile event for each that
/// changed something or was refused, the reports printed or written as one JSON document, and exit
/// 1 when any sink failed or was refused.
/// </summary>
public static class ReconcileRunner
{
    public delegate Task<ReconcileReport> ReconcileOne(SinkConfig sink, RouteTexts texts, bool dryRun, CancellationToken token);

    public static async Task<int> RunAsync(string what, IReadOnlyList<string> types, string configPath, string? only, bool dryRun, bool asJson,
        TextWriter output, TextWriter err, ReconcileOne reconcile, CancellationToken token)
    {
        var command = $"hookrelay: {what} reconcile";
        if (ConfigOption.LoadOrReport(configPath, err) is not { } config)
        {
            return ExitCodes.Failed;
        }
        var kinds = string.Join(" or ", types);
        var chosen = config.Sinks.Values.Where(s => types.Contains(s.Type) && (only is null || s.Name == only)).ToList();
        if (chosen.Count == 0)
        {
            err.WriteLine(only is null ? $"{command}: {configPath} has no {kinds} sink" : $"{command}: {configPath} has no {kinds} sink '{only}'");
            return ExitCodes.Failed;
        }
        var reports = new List<ReconcileReport>();
        var failed = false;
        foreach (var sinkConfig in chosen)
        {
            try
            {
                var report = await reconcile(sinkConfig, RouteTexts.From(config), dryRun, token).ConfigureAwait(false);
                reports.Add(report);
                if (!dryRun && (report.Changes > 0 || report.Refusals > 0))
                {
                    try
                    {
                        ReconcileEvent.Publish(config, what, sinkConfig.Name, report.Cluster, report.Changes, report.Summary, report.Refusals);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // The writes are made; only the report of them is lost, and this line has it.
                        err.WriteLine($"{command}: sink '{sinkConfig.Name}': its reconcile event could not be queued: {Logging.HookLog.OneLine(e.Message)}");
                    }
                }
                failed |= report.Refusals > 0;
                if (!asJson)
                {
                    report.Print(output);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or SecretException or IOException or HttpRequestException or TimeoutException
                or DnsProviderException or NetBoxException or NetBoxNotFoundException or JsonException or InvalidDataException
                or System.Security.Cryptography.CryptographicException or FormatException)
            {
                err.WriteLine($"{command}: sink '{sinkConfig.Name}': {Logging.HookLog.OneLine(e.Message)}");
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

    /// <summary>The sink's RAPI client, which every reconcile reads the cluster with.</summary>
    public static RapiClient RapiOf(RapiClient? rapi) => rapi
        ?? throw new InvalidOperationException("reconcile reads the cluster from Ganeti's RAPI: set rapi.url (https://MASTER:5080), and rapi.user, rapi.password and rapi.certificate as needed");

    /// <summary>The options every reconcile command takes, and its action.</summary>
    public static System.CommandLine.Command Command(string description, System.CommandLine.Option<string> configOption, string what, IReadOnlyList<string> types, ReconcileOne reconcile)
    {
        var sink = new System.CommandLine.Option<string?>("--sink") { Description = $"Only this sink (default: every {string.Join(" and ", types)} sink)" };
        var dryRun = new System.CommandLine.Option<bool>("--dry-run") { Description = "Print the plan, change nothing" };
        var json = new System.CommandLine.Option<bool>("--json") { Description = "Print the plan as JSON" };
        var command = new System.CommandLine.Command("reconcile", description) { sink, dryRun, json };
        command.SetAction((result, token) => RunAsync(what, types, result.GetValue(configOption)!, result.GetValue(sink), result.GetValue(dryRun), result.GetValue(json),
            Console.Out, Console.Error, reconcile, token));
        return command;
    }
}
