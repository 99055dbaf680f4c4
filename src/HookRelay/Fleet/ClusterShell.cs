using System.Text;

namespace HookRelay.Fleet;

/// <summary>What one command did on one node.</summary>
public sealed record NodeAnswer(string Node, int ExitCode, string Output);

/// <summary>
/// Runs a shell command on every node of the cluster and copies a file to every other node:
/// through Ganeti itself (`gnt-cluster command`, `gnt-cluster copyfile`, on the master), or,
/// where that cannot be used (not the master, no gnt-cluster), over ssh as root to each node
/// in ssconf_node_list, as Ganeti's own tools reach the nodes.
/// </summary>
public abstract class ClusterShell
{
    public abstract string How { get; }

    public abstract Task<IReadOnlyList<NodeAnswer>> RunEverywhereAsync(string command, CancellationToken cancellationToken);

    /// <summary>The same file, mode and content, at the same path on every other node.</summary>
    public abstract Task CopyToOthersAsync(string path, CancellationToken cancellationToken);

    /// <summary>gnt-cluster on the master; ssh from anywhere else (or where no gnt-cluster is installed).</summary>
    public static ClusterShell Choose()
    {
        var cluster = Cli.LocalCluster.Read(Cli.LocalCluster.DefaultDirectory)
            ?? throw new InvalidOperationException($"{Cli.LocalCluster.DefaultDirectory} holds no ssconf files: is this node part of a Ganeti cluster?");
        return File.Exists(GntCluster.Program) && Events.NodeNames.Same(cluster.Master, Here) ? new GntCluster() : new Ssh(cluster.Nodes, cluster.Name);
    }

    /// <summary>This node's name, as Ganeti knows nodes.</summary>
    public static string Here => Events.NodeNames.Local(null);

    /// <summary>Single quotes for sh: what is inside reaches the program as it is.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The program's exit code and everything it said (stdout, then stderr), through the same bounded runner as the node actions' tools.</summary>
    protected static async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan limit, CancellationToken cancellationToken)
    {
        // Empty input: stdin closed, so neither ssh nor gnt-cluster can wait on a terminal.
        var run = await new Actions.NodeTool(timeout: limit).RunAsync([program, .. arguments], "", cancellationToken).ConfigureAwait(false);
        return (run.ExitCode, run.Output + run.Errors);
    }

    /// <summary>Ganeti's own: `gnt-cluster command` (its output, node by node, parsed) and `gnt-cluster copyfile`.</summary>
    public sealed class GntCluster : ClusterShell
    {
        public const string Program = "/usr/sbin/gnt-cluster";
        private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

        public override string How => "gnt-cluster";

        public override async Task<IReadOnlyList<NodeAnswer>> RunEverywhereAsync(string command, CancellationToken cancellationToken)
        {
            var (exit, output) = await RunAsync(Program, ["command", command], Limit, cancellationToken).ConfigureAwait(false);
            var answers = Parse(output);
            return exit != 0 && answers.Count == 0 ? throw new InvalidOperationException($"gnt-cluster command exited {exit}: {Logging.HookLog.OneLine(output)}") : answers;
        }

        /// <summary>
        /// gnt-cluster command's report: per node a line of dashes, "node: NAME", the command's
        /// output (stdout and stderr), an empty line and "return code = N".
        /// </summary>
        public static IReadOnlyList<NodeAnswer> Parse(string output)
        {
            var answers = new List<NodeAnswer>();
            string? node = null;
            var body = new StringBuilder();
            foreach (var line in output.Split('\n'))
            {
                if (line.StartsWith("node: ", StringComparison.Ordinal) && node is null)
                {
                    node = line["node: ".Length..].Trim();
                    body.Clear();
                }
                else if (node is not null && line.StartsWith("return code = ", StringComparison.Ordinal))
                {
                    answers.Add(new NodeAnswer(node, int.Parse(line["return code = ".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture), body.ToString().Trim()));
                    node = null;
                }
                else if (node is not null)
                {
                    body.Append(line).Append('\n');
                }
            }
            return answers;
        }

        public override async Task CopyToOthersAsync(string path, CancellationToken cancellationToken)
        {
            var (exit, output) = await RunAsync(Program, ["copyfile", path], Limit, cancellationToken).ConfigureAwait(false);
            if (exit != 0)
            {
                throw new InvalidOperationException($"gnt-cluster copyfile {path} exited {exit}: {Logging.HookLog.OneLine(output)}");
            }
        }
    }

    /// <summary>
    /// ssh as root to each node, without asking anything (BatchMode), where gnt-cluster is not at
    /// hand. Host keys are checked as Ganeti checks them: every node has the cluster's host key,
    /// known under the cluster's name in Ganeti's own known_hosts.
    /// </summary>
    public sealed class Ssh(IReadOnlyList<string> nodes, string cluster) : ClusterShell
    {
        public const string GanetiKnownHosts = "/var/lib/ganeti/known_hosts";
        private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

        private string[] Options => File.Exists(GanetiKnownHosts)
            ? ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", $"GlobalKnownHostsFile={GanetiKnownHosts}", "-o", $"HostKeyAlias={cluster}", "-o", "StrictHostKeyChecking=yes"]
            : ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"];

        public override string How => "ssh";

        public override async Task<IReadOnlyList<NodeAnswer>> RunEverywhereAsync(string command, CancellationToken cancellationToken)
        {
            var answers = await Task.WhenAll(nodes.Select(async node =>
            {
                var (exit, output) = await RunAsync("ssh", [.. Options, $"root@{node}", command], Limit, cancellationToken).ConfigureAwait(false);
                return new NodeAnswer(node, exit, output.Trim());
            })).ConfigureAwait(false);
            return answers;
        }

        public override async Task CopyToOthersAsync(string path, CancellationToken cancellationToken)
        {
            foreach (var node in nodes.Where(n => !Events.NodeNames.Same(n, Here)))
            {
                var (exit, output) = await RunAsync("scp", [.. Options, "-p", "-q", path, $"root@{node}:{path}"], Limit, cancellationToken).ConfigureAwait(false);
                if (exit != 0)
                {
                    throw new InvalidOperationException($"scp {path} to {node} exited {exit}: {Logging.HookLog.OneLine(output)}");
                }
            }
        }
    }
}
