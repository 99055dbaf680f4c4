using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace HookRelay.Sinks;

/// <summary>
/// Runs a program per event: the argument list as configured (never through a shell), the
/// CloudEvent JSON on stdin, the event id, type and route in HOOKRELAY_* variables, cwd /. Exit 0
/// is delivered; exit codes listed in fail_codes are final (dead letter); any other exit, a
/// missing program or a run over the timeout (the whole process tree is killed) is retried.
/// For the site scripts HookRelay does not replace yet, with delivery guarantees they lacked.
/// </summary>
public sealed class ExecSink(string name, IReadOnlyList<string> command, TimeSpan timeout, IReadOnlySet<int> failCodes) : ISink
{
    public const string Type = "exec";
    private const int MaxReported = 200;

    public string Name => name;

    public static ExecSink Create(SinkSettings settings)
    {
        var command = settings.List("command");
        if (command.Count == 0 || command[0].Length == 0)
        {
            throw new InvalidOperationException($"{settings.Subject} has no command (a list: [program, arguments...])");
        }
        var failCodes = settings.List("fail_codes").Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToHashSet();
        return new ExecSink(settings.SinkName, command, settings.Duration("timeout", TimeSpan.FromSeconds(30)), failCodes);
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
        start.Environment["HOOKRELAY_EVENT_ID"] = message.EventId;
        start.Environment["HOOKRELAY_EVENT_TYPE"] = message.EventType;
        start.Environment["HOOKRELAY_ROUTE"] = message.Route;
        using var process = new Process { StartInfo = start };
        var lastError = "";
        // Both streams are drained: a child writing more than a pipe holds must never block.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, line) =>
        {
            if (!string.IsNullOrWhiteSpace(line.Data))
            {
                lastError = line.Data.Length > MaxReported ? line.Data[..MaxReported] : line.Data;
            }
        };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new DeliveryResult.Retry($"cannot run {command[0]}: {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
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
        var said = lastError.Length > 0 ? $": {Logging.HookLog.OneLine(lastError)}" : "";
        return code switch
        {
            0 => DeliveryResult.Ok,
            _ when failCodes.Contains(code) => new DeliveryResult.Failed($"{command[0]} exited {code} (a fail_code){said}"),
            _ => new DeliveryResult.Retry($"{command[0]} exited {code}{said}"),
        };
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
