using System.CommandLine;
using System.Text.Json;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;
using HookRelay.Sinks.NetBox;

namespace HookRelay.Cli;

/// <summary>`hookrelay netbox reconcile`: NetBox's virtual machines of the cluster made to agree with Ganeti's instances as RAPI gives them.</summary>
public static class NetBoxCommand
{
    private static readonly string[] Types = [NetBoxSink.Declaration.Name];

    public static Command Create(Option<string> configOption) => new("netbox", "Virtual machines in NetBox (the netbox sink)")
    {
        ReconcileRunner.Command(
            "Read every instance from Ganeti's RAPI and the cluster's virtual machines from NetBox, print what differs, then write only that (VMs of instances gone are removed as on_remove says; planned and staged ones are left be)",
            configOption, "netbox", Types, ReconcileOneAsync),
    };

    private static async Task<ReconcileReport> ReconcileOneAsync(SinkConfig sinkConfig, RouteTexts texts, bool dryRun, CancellationToken token)
    {
        using var built = (NetBoxSink)SinkFactory.Create(sinkConfig, texts);
        var rapi = ReconcileRunner.RapiOf(built.Rapi);
        var ((cluster, instances), plan, times) = await ReconcileTimes.MeasureAsync(
            async () => (await rapi.ClusterNameAsync(token).ConfigureAwait(false), await rapi.NetBoxInstancesAsync(token).ConfigureAwait(false)),
            read => built.Planner.PlanAllAsync(read.Item2, read.Item1, token),
            plan => plan.ApplyAsync(token), dryRun).ConfigureAwait(false);
        return new Report(sinkConfig.Name, cluster, built.Display, rapi.Display, instances.Count, plan, dryRun, times);
    }

    private sealed record Report(string Sink, string Cluster, string Server, string Rapi, int Instances, NetBoxPlan Changed, bool DryRun, ReconcileTimes Times)
        : ReconcileReport(Sink, Cluster, Server, Rapi, Instances, DryRun, Times)
    {
        public override int Changes => Changed.Steps.Count;

        public override int Refusals => Changed.Problems.Count;

        protected override string Unit => "changes";

        protected override string Counts => Changed.Counts;

        protected override string Plan => Changed.Describe();

        protected override IEnumerable<string> Refused => Changed.Problems.Select(p => $"left alone: {p}");

        protected override string FarEndRead => "NetBox read + plan";

        protected override void WritePlan(Utf8JsonWriter writer)
        {
            writer.WriteStartArray("changes");
            foreach (var step in Changed.Steps)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", step.Kind.ToString().ToLowerInvariant());
                writer.WriteString("instance", step.Instance);
                writer.WriteString("object", step.What);
                writer.WriteString("detail", step.Detail);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            OutboxCli.WriteStrings(writer, "left_alone", Changed.Problems);
        }
    }
}
