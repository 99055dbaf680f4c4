using System.ComponentModel;
using System.Diagnostics;

namespace HookRelay.Actions;

/// <summary>What a node tool (tc, nft, ip) said when it ran.</summary>
public sealed record ToolRun(int ExitCode, string Output, string Errors)
{
    public bool Ok => ExitCode == 0;

    /// <summary>Its first line of complaint, for a message: "Error: Cannot find device \"tap9\"".</summary>
    public string Complaint => Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {ExitCode}";
}

/// <summary>A node tool failed where it must not: the message names the command and what the tool said.</summary>
public sealed class NodeToolException(string message) : Exception(message);

/// <summary>
/// Runs the kernel's own tools (tc, nft, ip), and Ganeti's and ssh for `cluster`, with an argument list, never a shell. The prefix runs
/// them elsewhere ("ip netns exec NS": tests shape inside a namespace they made, the code is the
/// same). Bounded in time: a tool stuck on a kernel lock must not hold an action for ever.
/// </summary>
public sealed class NodeTool(IReadOnlyList<string>? prefix = null, TimeSpan? timeout = null)
{
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Prefix { get; } = prefix ?? [];

    public async Task<ToolRun> RunAsync(IReadOnlyList<string> command, string? input, CancellationToken cancellationToken)
    {
        var line = Prefix.Concat(command).ToList();
        var start = new ProcessStartInfo(line[0])
        {
            WorkingDirectory = "/",
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in line.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new NodeToolException($"cannot run {line[0]}: {e.Message} (is {PackageOf(command[0])} installed?)");
        }
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new NodeToolException($"{string.Join(' ', command)} did not finish within {_timeout.TotalSeconds:0} s and was killed");
        }
        return new ToolRun(process.ExitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
    }

    private static string PackageOf(string tool) => tool switch
    {
        "nft" => "nftables",
        "tc" or "ip" => "iproute2",
        _ => tool,
    };

    /// <summary>Runs it and insists on success.</summary>
    public async Task<string> RequireAsync(IReadOnlyList<string> command, string? input, CancellationToken cancellationToken)
    {
        var run = await RunAsync(command, input, cancellationToken).ConfigureAwait(false);
        return run.Ok ? run.Output : throw new NodeToolException($"{string.Join(' ', command)}: {run.Complaint}");
    }
}
