using System.CommandLine;
using System.Text.RegularExpressions;
using HookRelay.Cli;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

/// <summary>
/// The README's "Command line and exit codes" table against the binary's own command tree: every
/// command it has is in the table, every command the table names exists, and every option the
/// table shows for a command is one that command takes.
/// </summary>
public partial class ReadmeCommandTableTests
{
    /// <summary>The command cells of the table: the code spans before the row's first parenthesised remark.</summary>
    private static List<string> CommandSpans()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var start = readme.IndexOf("## Command line and exit codes", StringComparison.Ordinal);
        var end = readme.IndexOf("Hook mode", start, StringComparison.Ordinal);
        var spans = new List<string>();
        foreach (var row in readme[start..end].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            // The first cell ends at the first "|" that is not escaped as "\|".
            var cell = CellEnd().Split(row[2..], 2)[0];
            var remark = cell.IndexOf(" (", StringComparison.Ordinal);
            var commands = remark < 0 ? cell : cell[..remark];
            spans.AddRange(CodeSpan().Matches(commands).Select(m => m.Groups[1].Value.Replace("\\|", "|", StringComparison.Ordinal)));
        }
        return spans;
    }

    /// <summary>Each command a span names ("dlq list|replay|drop [IDS] [--json]" names three), with the options it shows.</summary>
    private static IEnumerable<(string Path, IReadOnlyList<string> Options)> Named(string span)
    {
        var words = span.Split(' ').TakeWhile(w => w.Length > 0 && char.IsAsciiLetterLower(w[0])).ToList();
        var options = OptionName().Matches(span).Select(m => m.Value).Distinct().ToList();
        var alternatives = words[^1].Split('|');
        return alternatives.Select(last => (string.Join(' ', [.. words[..^1], last]), (IReadOnlyList<string>)options));
    }

    private static Dictionary<string, Command> Leaves(Command command, string prefix = "")
    {
        var leaves = new Dictionary<string, Command>(StringComparer.Ordinal);
        foreach (var sub in command.Subcommands)
        {
            var path = (prefix + " " + sub.Name).Trim();
            if (sub.Subcommands.Count == 0)
            {
                leaves[path] = sub;
            }
            foreach (var (name, leaf) in Leaves(sub, path))
            {
                leaves[name] = leaf;
            }
        }
        return leaves;
    }

    [Fact]
    public void The_readme_names_every_command_and_only_real_ones_with_options_they_take()
    {
        var root = CliApp.BuildRoot();
        var leaves = Leaves(root);
        var named = CommandSpans().SelectMany(Named).ToList();

        Assert.Equal(leaves.Keys.Order(StringComparer.Ordinal), named.Select(n => n.Path).Distinct().Order(StringComparer.Ordinal));
        foreach (var (path, options) in named)
        {
            var command = leaves[path];
            var takes = command.Options.Concat(root.Options.Where(o => o.Recursive))
                .SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
            foreach (var option in options.Where(o => o != "--help"))
            {
                Assert.True(takes.Contains(option), $"the README shows {option} for '{path}', which takes: {string.Join(", ", takes.Order(StringComparer.Ordinal))}");
            }
        }
    }

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellEnd();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"--[a-z][a-z-]*")]
    private static partial Regex OptionName();
}
