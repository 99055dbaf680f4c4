using System.CommandLine;
using HookRelay.Delivery;
using HookRelay.Hook;
using HookRelay.Outbox;

namespace HookRelay.Cli;

/// <summary>`hookrelay dlq list|replay|drop`: the deliveries that were given up, with their last error.</summary>
public static class DlqCommand
{
    public static Command Create(Option<string> configOption)
    {
        var sink = new Option<string?>("--sink") { Description = "Only this sink's dead letters" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var list = new Command("list", "List dead letters: event, sink, attempts, last error") { sink, json };
        list.SetAction(result => List(result.GetValue(configOption)!, result.GetValue(sink), result.GetValue(json)));

        var replay = Change("replay", "Queue dead letters again with fresh attempts (the same event ids)", configOption, sink, json, replay: true);
        var drop = Change("drop", "Delete dead letters for good", configOption, sink, json, replay: false);
        return new Command("dlq", "Dead letters: deliveries given up after max_attempts or max_age, or refused by the sink") { list, replay, drop };
    }

    private static Command Change(string name, string description, Option<string> configOption, Option<string?> sink, Option<bool> json, bool replay)
    {
        var ids = new Argument<string[]>("ids")
        {
            Description = "Delivery ids from 'dlq list', or event ids (the id receivers and logs show: every dead letter of that event)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var all = new Option<bool>("--all") { Description = "Every dead letter (of --sink, if given)" };
        var command = new Command(name, description) { ids, all, sink, json };
        command.SetAction(result =>
        {
            var chosen = result.GetValue(ids) ?? [];
            var everything = result.GetValue(all);
            if (chosen.Length > 0 == everything)
            {
                // Neither ids nor --all, or both.
                Console.Error.WriteLine($"hookrelay: dlq {name}: name delivery or event ids, or --all (not both)");
                return ExitCodes.Usage;
            }
            var only = result.GetValue(sink);
            return Apply(result.GetValue(configOption)!, only, replay ? "queued again" : "dropped", result.GetValue(json), chosen, (admin, now) =>
            {
                var (rows, notFound) = everything ? ([], []) : Pick(admin.DeadLetters(only), chosen);
                // No rows means every row to the admin: only --all may ask for that.
                var count = !everything && rows.Count == 0 ? 0 : replay ? admin.ReplayDead(rows, only, now) : admin.DropDead(rows, only);
                return (count, notFound);
            }, kick: replay);
        });
        return command;
    }

    /// <summary>The dead letters the ids name (a delivery id names one, an event id all of its event's), and the ids that name none.</summary>
    private static (List<long> Rows, List<string> NotFound) Pick(IReadOnlyList<DeadLetter> dead, IEnumerable<string> ids)
    {
        var rows = new List<long>();
        var notFound = new List<string>();
        foreach (var id in ids)
        {
            var named = dead.Where(d => d.EventId == id || (long.TryParse(id, out var row) && d.Id == row)).Select(d => d.Id).ToList();
            if (named.Count == 0)
            {
                notFound.Add(id);
            }
            rows.AddRange(named.Except(rows));
        }
        return (rows, notFound);
    }

    /// <summary>
    /// Runs one change against the outbox, says what it did (and which ids named no dead letter:
    /// then the exit is 1), and wakes delivery when rows went back to the queue. A node with no
    /// outbox yet has nothing to change: that is 0 rows, and only <paramref name="named"/> ids are not found.
    /// </summary>
    public static int Apply(string configPath, string? sink, string verb, bool asJson, IReadOnlyList<string> named,
        Func<OutboxAdmin, long, (int Count, List<string> NotFound)> change, bool kick)
    {
        if (ConfigOption.LoadOrReport(configPath, Console.Error) is not { } config)
        {
            return ExitCodes.Failed;
        }
        var admin = OutboxCli.OpenAdmin(config, Console.Error, out var connection);
        using (connection)
        {
            var (count, notFound) = admin is null ? (0, named.ToList()) : change(admin, DeliveryDaemon.NowMs());
            var ofSink = sink is null ? "" : $" (sink '{sink}')";
            if (asJson)
            {
                OutboxCli.WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber(verb.Replace(' ', '_'), count);
                    writer.WriteStartArray("not_dead_letters");
                    notFound.ForEach(writer.WriteStringValue);
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
            else
            {
                Console.WriteLine($"{Counted.Of(count, "delivery", "deliveries")} {verb}{ofSink}");
            }
            if (notFound.Count > 0)
            {
                Console.Error.WriteLine($"hookrelay: no dead letter{ofSink} has the id{(notFound.Count == 1 ? "" : "s")} {string.Join(", ", notFound)} (see 'hookrelay dlq list')");
            }
            if (kick && count > 0)
            {
                DeliveryStarter.Kick(config);
            }
            return notFound.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }
    }

    private static int List(string configPath, string? sink, bool asJson)
    {
        if (ConfigOption.LoadOrReport(configPath, Console.Error) is not { } config)
        {
            return ExitCodes.Failed;
        }
        var admin = OutboxCli.OpenAdmin(config, Console.Error, out var connection);
        using (connection)
        {
            var dead = admin?.DeadLetters(sink) ?? [];
            if (asJson)
            {
                OutboxCli.WriteJson(writer => WriteDeadLetters(writer, dead));
                return ExitCodes.Ok;
            }
            if (dead.Count == 0)
            {
                Console.WriteLine("no dead letters" + (sink is null ? "" : $" for sink '{sink}'"));
                return ExitCodes.Ok;
            }
            // Columns as wide as their longest value: long sink names and subjects must not shift the rest.
            var sinkWidth = dead.Max(d => d.Sink.Length);
            var eventWidth = dead.Max(d => Event(d).Length);
            Console.WriteLine($"{"ID",8}  {"SINK".PadRight(sinkWidth)}  {"CREATED",-20}  {"TRIES",5}  {"EVENT".PadRight(eventWidth)}  LAST ERROR");
            foreach (var d in dead)
            {
                Console.WriteLine($"{d.Id,8}  {d.Sink.PadRight(sinkWidth)}  {OutboxCli.Timestamp(d.CreatedMs),-20}  {d.Attempts,5}  {Event(d).PadRight(eventWidth)}  {d.LastError}");
            }
            return ExitCodes.Ok;
        }
    }

    private static string Event(DeadLetter d) => $"{d.Type} {d.Subject}".TrimEnd();

    /// <summary>The dead letters as a JSON array: `dlq list --json` and the daemon's /api/dead-letters.</summary>
    public static void WriteDeadLetters(System.Text.Json.Utf8JsonWriter writer, IReadOnlyList<DeadLetter> dead)
    {
        writer.WriteStartArray();
        foreach (var d in dead)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", d.Id);
            writer.WriteString("event_id", d.EventId);
            writer.WriteString("sink", d.Sink);
            writer.WriteString("type", d.Type);
            writer.WriteString("subject", d.Subject);
            writer.WriteNumber("attempts", d.Attempts);
            OutboxCli.WriteTime(writer, "created", d.CreatedMs);
            OutboxCli.WriteTime(writer, "given_up", d.DoneMs);
            writer.WriteString("last_error", d.LastError);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
