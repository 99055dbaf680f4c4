using System.Text.Json;
using HookRelay.Cli;

namespace HookRelay.Fleet;

/// <summary>One node as `cluster check` found it: what `version --json` said there, or why it said nothing.</summary>
public sealed record NodeReport(string Node, VersionCommand.NodeState? State, string? Problem)
{
    public static NodeReport From(NodeAnswer answer)
    {
        // gnt-cluster merges stderr into the output: the JSON is the line that opens with a brace.
        var json = answer.Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'));
        if (answer.ExitCode != 0 || json is null)
        {
            var said = Logging.HookLog.OneLine(answer.Output);
            return new NodeReport(answer.Node, null, answer.ExitCode == 127
                ? $"hookrelay is not installed there ({said})"
                : $"hookrelay version --json exited {answer.ExitCode}: {(said.Length == 0 ? "no output" : said)}");
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            return new NodeReport(answer.Node, VersionCommand.NodeState.Read(document.RootElement), null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new NodeReport(answer.Node, null, $"answered something that is not hookrelay version --json: {Logging.HookLog.OneLine(json)}");
        }
    }
}

/// <summary>
/// Whether every node runs the same HookRelay: the same version and commit, a usable
/// configuration with the same hash, every hook link in place. Compared with the node the check
/// runs on (the master, normally), or the first node when that one did not answer.
/// </summary>
public static class FleetCheck
{
    public static (string Reference, IReadOnlyList<string> Drift) Compare(IReadOnlyList<NodeReport> nodes, string here)
    {
        var drift = new List<string>();
        var reference = nodes.FirstOrDefault(n => Events.NodeNames.Same(n.Node, here) && n.State is not null) ?? nodes.FirstOrDefault(n => n.State is not null);
        foreach (var node in nodes)
        {
            if (node.State is not { } state)
            {
                drift.Add($"{node.Node}: {node.Problem}");
                continue;
            }
            if (state.ConfigHash is null)
            {
                drift.Add($"{node.Node}: configuration {state.Config} is not usable: {state.ConfigError}");
            }
            if (reference?.State is { } model && !ReferenceEquals(node, reference))
            {
                if (state.Version != model.Version || state.Commit != model.Commit)
                {
                    drift.Add($"{node.Node}: hookrelay {state.Version} (commit {state.Commit}), {reference.Node} runs {model.Version} (commit {model.Commit})");
                }
                if (state.ConfigHash is not null && model.ConfigHash is not null && state.ConfigHash != model.ConfigHash)
                {
                    drift.Add($"{node.Node}: configuration {state.Config} has hash {Abbreviated(state.ConfigHash)}, {reference.Node}'s {Abbreviated(model.ConfigHash)}");
                }
            }
            if (state.LinksPending.Count > 0)
            {
                drift.Add($"{node.Node}: {state.LinksPending.Count} hook link{(state.LinksPending.Count == 1 ? "" : "s")} not in place: {string.Join("; ", state.LinksPending)}");
            }
        }
        return (reference?.Node ?? "", drift);
    }

    public static string Abbreviated(string? hash) => hash is null ? "-" : hash[..Math.Min(12, hash.Length)];
}
