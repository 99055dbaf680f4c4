using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HookRelay.Events;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Messages;

namespace HookRelay.Cli;

/// <summary>
/// `hookrelay test-send SINK [--hook HPATH]`: delivers one sample event to one sink, now, outside
/// the outbox, and says what came back. For checking a webhook URL, a token or a mail server
/// before relying on it. The text is marked as a test so nobody takes it for a real operation.
/// </summary>
public static class TestSendCommand
{
    public const string Marker = EventView.TestMarker;

    public static Command Create(Option<string> configOption)
    {
        var sink = new Argument<string>("sink") { Description = "The sink's name in the configuration" };
        var hook = new Option<string>("--hook") { Description = "Hooks path of the sample event (default instance-migrate)", DefaultValueFactory = _ => "instance-migrate" };
        var phase = new Option<string>("--phase") { Description = "pre or post (default post)", DefaultValueFactory = _ => "post" };
        phase.AcceptOnlyFromAmong("pre", "post");
        var route = new Option<string>("--route") { Description = "Use this route's text (default: the first route to the sink that has one)" };
        var command = new Command("test-send", "Send one sample event to a sink now and report what it answered") { sink, hook, phase, route };
        command.SetAction((result, cancellation) => RunAsync(result.GetValue(configOption)!, result.GetValue(sink)!, result.GetValue(hook)!,
            result.GetValue(phase)!, result.GetValue(route), Console.Out, Console.Error, cancellation));
        return command;
    }

    public static async Task<int> RunAsync(string configPath, string sinkName, string hook, string phase, string? routeName,
        TextWriter output, TextWriter err, CancellationToken cancellation)
    {
        var config = ConfigOption.LoadOrReport(configPath, err);
        if (config is null)
        {
            return ExitCodes.Failed;
        }
        if (!config.Sinks.TryGetValue(sinkName, out var sinkConfig))
        {
            err.WriteLine($"hookrelay: no sink '{sinkName}' in {configPath} (defined: {(config.Sinks.Count == 0 ? "none" : string.Join(", ", config.Sinks.Keys.Order(StringComparer.Ordinal)))})");
            return ExitCodes.Failed;
        }
        if (HooksCatalog.Find(hook) is null)
        {
            err.WriteLine($"hookrelay: {Samples.UnknownPath(hook)}");
            return ExitCodes.Usage;
        }
        var route = routeName ?? config.Routes.FirstOrDefault(r => r.To.Contains(sinkName) && r.Text is not null)?.Name ?? "test-send";
        // As the master would see it: the sample's own master, so the event has its roles.
        var vars = Samples.For(hook, phase);
        var ev = HookEventParser.Parse(vars, vars.GetValueOrDefault("GANETI_MASTER") ?? "localhost");
        var cloudEvent = CloudEvent.For(ev, DateTimeOffset.UtcNow) with { Test = true, Stamp = new EventStamp(VersionCommand.InformationalVersion, config.Hash) };
        var message = new SinkMessage(cloudEvent.Id, route, cloudEvent.Type, cloudEvent.ToJsonUtf8()) { DataLast = true };
        var texts = RouteTexts.From(config).WithPrefix(Marker);
        ISink sink;
        try
        {
            sink = SinkFactory.Create(sinkConfig, texts);
        }
        catch (Exception e) when (e is InvalidOperationException or SecretException or IOException or System.Security.Cryptography.CryptographicException)
        {
            err.WriteLine($"hookrelay: sink '{sinkName}' cannot be used: {e.Message}");
            return ExitCodes.Failed;
        }
        using var view = message.View();
        output.WriteLine($"sending {cloudEvent.Type} ({cloudEvent.Subject ?? "no subject"}, event {cloudEvent.Id}) to {sinkConfig.Type} sink '{sinkName}'");
        output.WriteLine($"  text: {texts.Render(message, view, TextFormat.Plain)}");
        var clock = Stopwatch.StartNew();
        DeliveryResult result;
        try
        {
            result = await sink.DeliverAsync(message, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A sink that throws is a bug of that sink: one line, as the daemon would log it (it retries such an attempt).
            result = new DeliveryResult.Retry($"{e.GetType().Name}: {Logging.HookLog.OneLine(e.Message)}");
        }
        finally
        {
            (sink as IDisposable)?.Dispose();
        }
        var took = clock.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        switch (result)
        {
            case DeliveryResult.Delivered:
                output.WriteLine($"delivered in {took} ms");
                return ExitCodes.Ok;
            case DeliveryResult.Retry retry:
                err.WriteLine($"NOT delivered ({took} ms), the daemon would retry: {retry.Reason}{(retry.After is { } after ? $" (asked to wait {after.TotalSeconds:0} s)" : "")}");
                return ExitCodes.Failed;
            case DeliveryResult.Failed failed:
                err.WriteLine($"NOT delivered ({took} ms), the daemon would give up (dead letter): {failed.Reason}");
                return ExitCodes.Failed;
            default:
                throw new UnreachableException();
        }
    }
}
