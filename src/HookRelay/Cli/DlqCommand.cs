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

        var replay = Change("replay", "Queue dead letters again with fresh attempts (the same event ids)", configOption, sink, replayAll: true);
        var drop = Change("drop", "Delete dead letters for good", configOption, sink, replayAll: false);
        return new Command("dlq", "Dead letters: deliveries given up after max_attempts or max_age, or refused by the sink") { list, replay, drop };
    }

    private static Command Change(string name, string description, Option<string> configOption, Option<string?> sink, bool replayAll)
    {
        var ids = new Argument<long[]>("ids") { Description = "Delivery ids from 'dlq list'", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every dead letter (of --sink, if given)" };
        var command = new Command(name, description) { ids, all, sink };
        command.SetAction(result =>
        {
            var chosen = result.GetValue(ids) ?? [];
            if (chosen.Length == 0 && !result.GetValue(all))
            {
                Console.Error.WriteLine($"hookrelay: dlq {name}: name delivery ids, or --all");
                return ExitCodes.Usage;
            }
            return Apply(result.GetValue(configOption)!, chosen, result.GetValue(sink), replayAll ? "queued again" : "dropped",
                (admin, now) => replayAll ? admin.ReplayDead(chosen, result.GetValue(sink), now) : admin.DropDead(chosen, result.GetValue(sink)),
                kick: replayAll);
        });
        return command;
    }

    /// <summary>Runs one change against the outbox and wakes delivery when rows went back to the queue.</summary>
    public static int Apply(string configPath, IReadOnlyCollection<long> ids, string? sink, string verb, Func<OutboxAdmin, long, int> change, bool kick)
    {
        if (ConfigOption.LoadOrReport(configPath, Console.Error) is not { } config)
        {
            return ExitCodes.Failed;
        }
        var admin = OutboxCli.OpenAdmin(config, Console.Error, out var connection);
        using (connection)
        {
            if (admin is null)
            {
                return ExitCodes.Failed;
            }
            var count = change(admin, DeliveryDaemon.NowMs());
            Console.WriteLine($"{count} deliveries {verb}" + (sink is null ? "" : $" (sink '{sink}')"));
            if (ids.Count > count)
            {
                Console.Error.WriteLine($"hookrelay: {ids.Count - count} of the ids given were not dead letters{(sink is null ? "" : $" of sink '{sink}'")}");
            }
            if (kick && count > 0)
            {
                DeliveryStarter.Kick(config);
            }
            return ExitCodes.Ok;
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
            Console.WriteLine($"{"ID",8}  {"SINK",-14} {"CREATED",-20}  {"TRIES",5}  {"EVENT",-40}  LAST ERROR");
            foreach (var d in dead)
            {
                Console.WriteLine($"{d.Id,8}  {d.Sink,-14} {OutboxCli.Timestamp(d.CreatedMs),-20}  {d.Attempts,5}  {$"{d.Type} {d.Subject}",-40}  {d.LastError}");
            }
            return ExitCodes.Ok;
        }
    }

    private static void WriteDeadLetters(System.Text.Json.Utf8JsonWriter writer, IReadOnlyList<DeadLetter> dead)
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
