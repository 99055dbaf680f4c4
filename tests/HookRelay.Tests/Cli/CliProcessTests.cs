using System.Text.Json;
using HookRelay.Cli;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

/// <summary>The published binary's subcommands, as an operator or a script runs them.</summary>
public sealed class CliProcessTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _binary = RequiredService.HookRelayBinary();
    private readonly string _config;
    private readonly string _root;

    public CliProcessTests()
    {
        _config = _dir.File("hookrelay.yaml", """
            sinks: { f: { type: file, path: /tmp/hookrelay-cli-test.jsonl } }
            routes:
              - { name: live, matchers: ['hook="instance-migrate"', 'phase="post"'], to: [f] }
            """);
        _root = Path.Combine(_dir.Path, "hooks");
        Directory.CreateDirectory(_root);
    }

    public void Dispose() => _dir.Dispose();

    private Task<HookRun> Cli(params string[] args) =>
        HookProcess.RunAsync(_binary, args, new Dictionary<string, string>(), new Dictionary<string, string>(), TimeSpan.FromSeconds(20));

    private string[] Listing() =>
        [.. Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    [Theory]
    [InlineData("config", "check")]
    [InlineData("simulate", "instance-migrate", "--phase", "post")]
    [InlineData("status")]
    [InlineData("install", "--dry-run")]
    public async Task Every_command_reads_the_file_hookrelay_config_names(params string[] command)
    {
        // A file that does not parse, named only by the variable: each command must report it.
        var broken = _dir.File("elsewhere.yaml", "routes: [ { name: x, to: [nowhere] } ]\n");
        string[] arguments = command[0] == "install" ? [.. command, "--hooks-root", _root] : command;
        var run = await HookProcess.RunAsync(_binary, arguments, new Dictionary<string, string>(), new Dictionary<string, string> { ["HOOKRELAY_CONFIG"] = broken }, TimeSpan.FromSeconds(20));
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains(broken, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Contains("nowhere", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_lists_the_steps_as_json_and_changes_nothing()
    {
        var run = await Cli("install", "--dry-run", "--json", "--hooks-root", _root, "-c", _config, "--binary", "/usr/local/sbin/hookrelay");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.True(doc.RootElement.GetProperty("dry_run").GetBoolean());
        var steps = doc.RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("step").GetString()).ToList();
        Assert.Equal(["create-dir", "link", "create-dir", "link"], steps);
        Assert.Empty(Listing());
    }

    [Fact]
    public async Task Install_then_uninstall_leaves_the_root_as_found()
    {
        Directory.CreateDirectory(Path.Combine(_root, "instance-migrate-post.d"));
        File.WriteAllText(Path.Combine(_root, "instance-migrate-post.d", "10-site"), "#!/bin/sh\n");
        var before = Listing();
        Assert.Equal(ExitCodes.Ok, (await Cli("install", "--hooks-root", _root, "-c", _config)).ExitCode);
        var link = new FileInfo(Path.Combine(_root, "instance-migrate-post.d", "hookrelay"));
        // The lean hook binary beside hookrelay is what the hooks directories get.
        Assert.Equal(Path.GetFullPath(RequiredService.HookBinary()), link.LinkTarget);
        Assert.Equal(ExitCodes.Ok, (await Cli("uninstall", "--hooks-root", _root)).ExitCode);
        Assert.Equal(before, Listing());
    }

    [Fact]
    public async Task A_foreign_file_makes_install_refuse_naming_it()
    {
        Directory.CreateDirectory(Path.Combine(_root, "instance-migrate-post.d"));
        File.WriteAllText(Path.Combine(_root, "instance-migrate-post.d", "hookrelay"), "#!/bin/sh\n");
        var before = Listing();
        var run = await Cli("install", "--hooks-root", _root, "-c", _config);
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("instance-migrate-post.d/hookrelay", run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Listing());
        // Only what happened: nothing. What would have is said as such.
        Assert.DoesNotMatch(@"(?m)^(create-dir|link) ", run.Stdout);
        Assert.Matches(@"(?m)^would link ", run.Stdout);
        Assert.Contains("nothing changed: 1 conflict;", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("install refused, nothing changed", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uninstall_help_asks_for_the_binary_install_linked_to_not_one_to_link()
    {
        var help = await Cli("uninstall", "--help");
        Assert.Contains("The executable 'install --binary' linked to", help.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("to link to", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hooks_root_that_does_not_exist_is_refused_unless_asked_for()
    {
        var typo = Path.Combine(_dir.Path, "hoks");
        var refused = await Cli("install", "--hooks-root", typo, "-c", _config);
        Assert.Equal(ExitCodes.Failed, refused.ExitCode);
        Assert.Contains($"--hooks-root {typo} does not exist", refused.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(typo));
        Assert.Equal(ExitCodes.Ok, (await Cli("install", "--hooks-root", typo, "--create-root", "-c", _config)).ExitCode);
        Assert.True(Directory.Exists(Path.Combine(typo, "instance-migrate-post.d")));
    }

    [Fact]
    public async Task Version_json_has_version_commit_and_config_hash()
    {
        var run = await Cli("version", "--json", "-c", _config);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.Matches(@"^\d+\.\d+\.\d+", doc.RootElement.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("commit").GetString()));
        Assert.Matches("^[0-9a-f]{64}$", doc.RootElement.GetProperty("config_hash").GetString());
    }

    [Fact]
    public async Task Config_check_names_file_line_and_column_and_exits_one()
    {
        var broken = _dir.File("broken.yaml", "routes:\n  - name: x\n    on_node: nowhere\n    to: [f]\n");
        var run = await Cli("config", "check", "-c", broken);
        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains($"{broken}:3:14: error:", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_json_explains_each_route()
    {
        var run = await Cli("simulate", "instance-migrate", "--phase", "post", "--node", "node2.lab.example", "--json", "-c", _config);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var route = Assert.Single(doc.RootElement.GetProperty("routes").EnumerateArray());
        Assert.False(route.GetProperty("applies").GetBoolean());
        Assert.Contains("not the master", route.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("org.ganeti.instance-migrate.post", doc.RootElement.GetProperty("event").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Bad_command_line_exits_two()
    {
        var run = await Cli("simulate", "instance-migrate", "--phase", "sideways", "-c", _config);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
    }
}
