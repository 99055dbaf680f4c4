using System.CommandLine;
using System.Text.Json;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Dns;
using HookRelay.Sinks.Messages;

namespace HookRelay.Cli;

/// <summary>`hookrelay dns reconcile`: the DNS sinks' zones made to agree with the cluster's instances as RAPI gives them.</summary>
public static class DnsCommand
{
    private static readonly string[] Types = [DnsSink.PowerDns.Name, DnsSink.Rfc2136.Name];

    public static Command Create(Option<string> configOption) => new("dns", "Instance records in DNS (the powerdns and rfc2136 sinks)")
    {
        ReconcileRunner.Command(
            "Read every instance from Ganeti's RAPI and every configured zone, print what differs, then write only that (HookRelay's own records only; a name someone else wrote is a conflict, left as it is)",
            configOption, "dns", Types, ReconcileOneAsync),
    };

    private static async Task<ReconcileReport> ReconcileOneAsync(SinkConfig sinkConfig, RouteTexts texts, bool dryRun, CancellationToken token)
    {
        using var built = (DnsSink)SinkFactory.Create(sinkConfig, texts);
        var rapi = ReconcileRunner.RapiOf(built.Rapi);
        var ((cluster, instances), plan, times) = await ReconcileTimes.MeasureAsync(
            async () => (await rapi.ClusterNameAsync(token).ConfigureAwait(false), await rapi.InstancesAsync(built.Zones.Layout.Eui64, token).ConfigureAwait(false)),
            read => built.Zones.PlanAllAsync(read.Item2, built.OwnerFor(read.Item1), token),
            plan => built.Zones.ApplyAsync(plan, token), dryRun).ConfigureAwait(false);
        return new Report(sinkConfig.Name, cluster, built.Zones.Provider.Display, rapi.Display, instances.Count, plan, dryRun, times);
    }

    private sealed record Report(string Sink, string Cluster, string Server, string Rapi, int Instances, DnsPlan Changed, bool DryRun, ReconcileTimes Times)
        : ReconcileReport(Sink, Cluster, Server, Rapi, Instances, DryRun, Times)
    {
        public override int Changes => Changed.Changes.Count;

        public override int Refusals => Changed.Refusals.Count;

        protected override string Unit => "RRsets";

        protected override string Counts => Changed.Counts;

        protected override string Plan => Changed.Describe();

        protected override IEnumerable<string> Refused => Changed.Refusals;

        protected override string FarEndRead => "zones + plan";

        protected override void WritePlan(Utf8JsonWriter writer)
        {
            writer.WriteStartArray("changes");
            foreach (var change in Changed.Changes)
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
            OutboxCli.WriteStrings(writer, "conflicts", Changed.Conflicts.Select(c => c.ToString()));
            OutboxCli.WriteStrings(writer, "problems", Changed.Problems);
        }
    }
}
