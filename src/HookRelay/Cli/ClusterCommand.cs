using System.CommandLine;
using System.Text.Json;
using HookRelay.Fleet;
using HookRelay.Rules;

namespace HookRelay.Cli;

/// <summary>
/// `hookrelay cluster check|push`: the same HookRelay on every node. check runs `hookrelay
/// version --json` on each (through gnt-cluster command, ssh as the fallback) and compares
/// version, configuration hash and hook links; push copies the configuration and the secret files
/// it names to every node (gnt-cluster copyfile), runs `install --reload` everywhere, then checks.
/// </summary>
public static class ClusterCommand
{
    public static Command Create(Option<string> configOption)
    {
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var check = new Command("check", "Compare version, configuration hash and hook links on every node of the cluster; exit 1 on any difference") { json };
        check.SetAction((r, token) => CheckAsync(r.GetValue(configOption)!, r.GetValue(json), Console.Out, Console.Error, token));
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be copied and run, do nothing" };
        var push = new Command("push", "Copy this node's configuration and the secret files it names to every node, run install there, then check") { dryRun };
        push.SetAction((r, token) => PushAsync(r.GetValue(configOption)!, r.GetValue(dryRun), Console.Out, Console.Error, token));
        return new Command("cluster", "The same HookRelay on every node of this Ganeti cluster") { check, push };
    }

    private static string Self => Environment.ProcessPath ?? "/usr/bin/hookrelay";

    public static async Task<int> CheckAsync(string configPath, bool asJson, TextWriter output, TextWriter err, CancellationToken token)
    {
        IReadOnlyList<NodeReport> nodes;
        ClusterShell shell;
        try
        {
            shell = ClusterShell.Choose();
            var answers = await shell.RunEverywhereAsync($"{ClusterShell.Quote(Self)} --config {ClusterShell.Quote(Path.GetFullPath(configPath))} version --json", token)
                .ConfigureAwait(false);
            nodes = [.. answers.Select(NodeReport.From).OrderBy(n => n.Node, StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is InvalidOperationException or Actions.NodeToolException or IOException)
        {
            err.WriteLine($"hookrelay: cluster check: {e.Message}");
            return ExitCodes.Failed;
        }
        var (reference, drift) = FleetCheck.Compare(nodes, ClusterShell.Here);
        if (asJson)
        {
            OutboxCli.WriteJson(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("through", shell.How);
                writer.WriteString("reference", reference);
                writer.WriteStartArray("nodes");
                foreach (var node in nodes)
                {
                    writer.WriteStartObject();
                    writer.WriteString("node", node.Node);
                    if (node.State is { } state)
                    {
                        writer.WritePropertyName("state");
                        state.Write(writer);
                    }
                    else
                    {
                        writer.WriteString("problem", node.Problem);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                OutboxCli.WriteStrings(writer, "drift", drift);
                writer.WriteEndObject();
            });
        }
        else
        {
            output.WriteLine($"{nodes.Count} nodes, through {shell.How}; compared with {reference}");
            output.WriteLine($"  {"node",-28} {"version",-10} {"commit",-10} {"config hash",-13} hook links");
            foreach (var node in nodes)
            {
                output.WriteLine(node.State is { } s
                    ? $"  {node.Node,-28} {s.Version,-10} {s.Commit[..Math.Min(8, s.Commit.Length)],-10} {FleetCheck.Abbreviated(s.ConfigHash),-13} {s.Links} in place{(s.LinksPending.Count > 0 ? $", {s.LinksPending.Count} not" : "")}"
                    : $"  {node.Node,-28} {node.Problem}");
            }
            output.WriteLine(drift.Count == 0 ? "all nodes run the same HookRelay with the same configuration" : "differences:");
            foreach (var line in drift)
            {
                output.WriteLine($"  {line}");
            }
        }
        return drift.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    public static async Task<int> PushAsync(string configPath, bool dryRun, TextWriter output, TextWriter err, CancellationToken token)
    {
        // Only a configuration that loads here is pushed: a broken one would reach every node at once.
        if (ConfigOption.LoadOrReport(configPath, err) is not { } config)
        {
            err.WriteLine("hookrelay: cluster push: nothing pushed");
            return ExitCodes.Failed;
        }
        var path = Path.GetFullPath(configPath);
        var secrets = SecretReferences.Files(System.Text.Encoding.UTF8.GetString(config.Content));
        var missing = secrets.Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            err.WriteLine($"hookrelay: cluster push: secret files the configuration names are not on this node: {string.Join(", ", missing)}; nothing pushed");
            return ExitCodes.Failed;
        }
        var install = $"{ClusterShell.Quote(Self)} --config {ClusterShell.Quote(path)} install --reload";
        try
        {
            var shell = ClusterShell.Choose();
            foreach (var file in secrets.Prepend(path))
            {
                output.WriteLine($"{(dryRun ? "would copy" : "copying")} {file} to every node ({shell.How})");
                if (!dryRun)
                {
                    await shell.CopyToOthersAsync(file, token).ConfigureAwait(false);
                }
            }
            output.WriteLine($"{(dryRun ? "would run" : "running")} on every node: {install}");
            if (dryRun)
            {
                return ExitCodes.Ok;
            }
            var failed = false;
            foreach (var answer in (await shell.RunEverywhereAsync(install, token).ConfigureAwait(false)).OrderBy(a => a.Node, StringComparer.Ordinal))
            {
                var last = answer.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
                output.WriteLine($"  {answer.Node}: {(answer.ExitCode == 0 ? last : $"install exited {answer.ExitCode}: {Logging.HookLog.OneLine(answer.Output)}")}");
                failed |= answer.ExitCode != 0;
            }
            if (failed)
            {
                return ExitCodes.Failed;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Actions.NodeToolException or IOException)
        {
            err.WriteLine($"hookrelay: cluster push: {e.Message}");
            return ExitCodes.Failed;
        }
        output.WriteLine();
        return await CheckAsync(configPath, asJson: false, output, err, token).ConfigureAwait(false);
    }
}
