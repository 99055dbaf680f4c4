using System.CommandLine;
using HookRelay.Delivery;

namespace HookRelay.Cli;

/// <summary>`hookrelay replay --since T`: send again what was delivered (or given up) since a time, e.g. after a receiver lost data.</summary>
public static class ReplayCommand
{
    public static Command Create(Option<string> configOption)
    {
        var since = new Option<string>("--since")
        {
            Description = "How far back: a duration (30m, 2h, 7d) or an ISO 8601 time; delivered rows are kept for delivery.keep_delivered",
            Required = true,
        };
        var sink = new Option<string?>("--sink") { Description = "Only this sink" };
        var command = new Command("replay", "Queue again every delivery of events since a time (same event ids, so receivers can drop duplicates)") { since, sink };
        command.SetAction(result =>
        {
            var text = result.GetValue(since)!;
            if (OutboxCli.ParseSince(text, DeliveryDaemon.NowMs()) is not { } sinceMs)
            {
                Console.Error.WriteLine($"hookrelay: replay: --since '{text}' is neither a duration (30m, 2h, 7d) nor an ISO 8601 time");
                return ExitCodes.Usage;
            }
            return DlqCommand.Apply(result.GetValue(configOption)!, result.GetValue(sink), "queued again", asJson: false, [],
                (admin, now) => (admin.ReplaySince(sinceMs, result.GetValue(sink), now), []), kick: true);
        });
        return command;
    }
}
