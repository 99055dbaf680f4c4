using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using HookRelay.Sinks.Declaration;

namespace HookRelay.Sinks;

/// <summary>
/// Runs a program per event: the argument list as configured (never through a shell), the
/// CloudEvent JSON on stdin, the event id, type and route in HOOKRELAY_* variables, cwd /, and an
/// environment of its own: PATH, LANG, LC_ALL and TZ from the daemon, the variables the sink's
/// `env` names, and nothing else of the daemon's (its ${env:} secrets are other sinks'). Exit 0
/// is delivered; exit codes listed in fail_codes are final (dead letter); any other exit, a
/// missing program or a run over the timeout (the whole process tree is killed) is retried.
/// For the site scripts HookRelay does not replace yet, with delivery guarantees they lacked.
/// </summary>
public sealed class ExecSink(string name, IReadOnlyList<string> command, TimeSpan timeout, IReadOnlySet<int> failCodes,
    IReadOnlyList<KeyValuePair<string, string>> environment) : ISink
{
    public const string Type = "exec";

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.TextList("command", "The program and its arguments, run without a shell: [/usr/local/bin/sync-vm, --quiet]. The event JSON is on its stdin; HOOKRELAY_EVENT_ID, HOOKRELAY_EVENT_TYPE and HOOKRELAY_ROUTE are set.")
            with { Required = true, MinItems = 1, MinLength = 1 },
        SinkKey.Duration("timeout", "Kill the program (and its children) after this and retry (default 30s)."),
        SinkKey.TextMap("env", "Variables for the program; values may be secret references. The program gets these, PATH, LANG, LC_ALL, TZ and the HOOKRELAY_* variables, nothing else of the daemon's environment."),
        new SinkKey("fail_codes", KeyShape.WholeNumberList, "Exit codes that mean \"never going to work\": a dead letter instead of a retry. Any other non-zero exit is retried."),
    ], (settings, _) => Create(settings));
    private const int MaxReported = 200;
    private const int TailBytes = 4096;
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>What a program may rely on from the daemon's environment: nothing secret.</summary>
    private static readonly string[] PassedOn = ["PATH", "LANG", "LC_ALL", "TZ"];

    public string Name => name;

    public static ExecSink Create(SinkSettings settings)
    {
        var command = settings.List("command");
        if (command.Count == 0 || command[0].Length == 0)
        {
            throw new InvalidOperationException($"{settings.Subject} has no command (a list: [program, arguments...])");
        }
        var failCodes = settings.WholeNumbers("fail_codes").ToHashSet();
        return new ExecSink(settings.SinkName, command, settings.Duration("timeout", TimeSpan.FromSeconds(30)), failCodes, settings.SecretMap("env"));
    }

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = "/",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Clear();
        foreach (var variable in PassedOn)
        {
            if (Environment.GetEnvironmentVariable(variable) is { } value)
            {
                start.Environment[variable] = value;
            }
        }
        start.Environment["PATH"] ??= DefaultPath;
        foreach (var (variable, value) in environment)
        {
            start.Environment[variable] = value;
        }
        start.Environment["HOOKRELAY_EVENT_ID"] = message.EventId;
        start.Environment["HOOKRELAY_EVENT_TYPE"] = message.EventType;
        start.Environment["HOOKRELAY_ROUTE"] = message.Route;
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new DeliveryResult.Retry($"cannot run {command[0]}: {e.Message}");
        }
        // Both streams are drained (a child writing more than a pipe holds must never block),
        // keeping only the end of stderr: a line without end must not fill the daemon's memory.
        var output = new StreamTail(process.StandardOutput.BaseStream, 0);
        var errors = new StreamTail(process.StandardError.BaseStream, TailBytes);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        // Written while waiting: a child that does not read a large event must not hold the write past the timeout.
        var stdin = WriteStdinAsync(process, message.CloudEventJson);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            await stdin.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await stdin.ConfigureAwait(false);
            return cancellationToken.IsCancellationRequested
                ? new DeliveryResult.Retry($"{command[0]} was stopped: the daemon is shutting down")
                : new DeliveryResult.Retry($"{command[0]} did not finish within {timeout.TotalSeconds:0.###} s and was killed");
        }
        var code = process.ExitCode;
        // A child's child may still hold the pipes: wait a moment for what is left, not for it.
        await Task.WhenAny(Task.WhenAll(output.Done, errors.Done), Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
        var lastError = LastLine(errors.Snapshot());
        var said = lastError.Length > 0 ? $": {Logging.HookLog.OneLine(lastError)}" : "";
        return code switch
        {
            0 => DeliveryResult.Ok,
            _ when failCodes.Contains(code) => new DeliveryResult.Failed($"{command[0]} exited {code} (a fail_code){said}"),
            _ => new DeliveryResult.Retry($"{command[0]} exited {code}{said}"),
        };
    }

    /// <summary>
    /// The last line said, its first <see cref="MaxReported"/> characters; of a line that began
    /// before the kept tail (its start is gone), its last ones.
    /// </summary>
    private static string LastLine(byte[] tail)
    {
        var lines = System.Text.Encoding.UTF8.GetString(tail).Split('\n');
        var index = Array.FindLastIndex(lines, l => !string.IsNullOrWhiteSpace(l));
        if (index < 0)
        {
            return "";
        }
        var line = lines[index];
        var cutAtStart = index == 0 && tail.Length == TailBytes;
        return line.Length <= MaxReported ? line : cutAtStart ? "…" + line[^MaxReported..] : line[..MaxReported];
    }

    /// <summary>A child that exits without reading its input is its own business: the pipe breaking is not an error.</summary>
    private static async Task WriteStdinAsync(Process process, ReadOnlyMemory<byte> input)
    {
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(input).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }
}
