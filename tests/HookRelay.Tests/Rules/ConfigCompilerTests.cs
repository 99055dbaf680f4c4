using System.Text;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Rules;

/// <summary>
/// Both sides of the lean hook having hookrelay compile its configuration: what hookrelay writes
/// (in process), and how the hook reads what a child wrote (real children, shell scripts standing
/// in for hookrelay; the published pair is in HookProcessTests).
/// </summary>
public class ConfigCompilerTests
{
    private const string Good = """
        sinks: { chat: { type: file, path: /tmp/a } }
        routes:
          - { name: adds, matchers: ['hook="instance-add"'], to: [chat] }
        """;

    [Fact]
    public void Hookrelay_writes_the_snapshot_of_a_file_that_loads_and_keeps_it_beside_the_file()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Good);
        using var output = new MemoryStream();
        Assert.Equal(0, ConfigCompiler.Answer(path, output));
        var snapshot = ConfigSnapshot.FromBytes(output.ToArray(), path);
        Assert.True(snapshot.IsCurrent);
        Assert.Equal(["adds"], snapshot.For("instance-add", "post", "2").Config!.Routes.Select(r => r.Name));
        Assert.Null(snapshot.For("instance-remove", "post", "2").Config);
        Assert.Equal(output.ToArray(), File.ReadAllBytes(Path.Combine(dir.Path, ".hookrelay.yaml.good")));
    }

    [Fact]
    public void Hookrelay_writes_the_errors_of_a_file_that_does_not_load()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Good.Replace("matchers:", "matcher:", StringComparison.Ordinal));
        var expected = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Errors;
        using var output = new MemoryStream();
        Assert.Equal(1, ConfigCompiler.Answer(path, output));
        Assert.Equal(expected, ConfigFailure.FromBytes(output.ToArray(), path)!.Errors);
    }

    [Fact]
    public void Without_hookrelay_beside_it_the_hook_says_what_is_missing()
    {
        var e = Assert.Throws<ConfigException>(() => AskWhenNotBusy("/etc/hookrelay/hookrelay.yaml", cli: null));
        Assert.Equal("/etc/hookrelay/hookrelay.yaml: error: cannot use the configuration: it changed since it was last compiled, "
            + "and hookrelay, which compiles it for hookrelay-hook, is not installed beside it", e.Message);
    }

    [Fact]
    public void The_hook_hands_on_the_errors_hookrelay_found()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", "routes: [\n");
        var failure = new ConfigFailure(null, 0, [new ConfigError(path, 2, 1, "not valid YAML: something"), new ConfigError(path, 3, 1, "another")]);
        var cli = Script(dir, "broken", $"printf '{Octal(failure.ToBytes())}'; exit 1");
        var e = Assert.Throws<ConfigException>(() => AskWhenNotBusy(path, cli));
        Assert.Equal(failure.Errors, e.Errors);
    }

    [Theory]
    [InlineData("exit 3", "could not compile it (exit status 3)")]
    [InlineData("kill -9 $$", "could not compile it (killed by signal 9)")]
    [InlineData("exit 1", "could not compile it (exit status 1)")]
    [InlineData("echo 'routes: []'; exit 0", "wrote no usable snapshot: the bytes are not a configuration snapshot")]
    public void A_child_that_does_not_compile_is_named_with_what_it_did(string body, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Good);
        var cli = Script(dir, "odd", body);
        var e = Assert.Throws<ConfigException>(() => AskWhenNotBusy(path, cli));
        Assert.Equal($"{path}: error: cannot use the configuration: {cli} {expected}", e.Message);
    }

    [Fact]
    public void The_hook_passes_the_file_to_hookrelay_by_its_full_path()
    {
        using var dir = new TempDir();
        var path = dir.File("hookrelay.yaml", Good);
        var seen = Path.Combine(dir.Path, "arguments");
        var cli = Script(dir, "recorder", $"printf '%s\\n' \"$@\" > '{seen}'; exit 3");
        Assert.Throws<ConfigException>(() => AskWhenNotBusy(Path.GetRelativePath(Environment.CurrentDirectory, path), cli));
        Assert.Equal([ConfigCompiler.Flag, path], File.ReadAllLines(seen));
    }

    /// <summary>
    /// Asks again while the script just written is "text file busy": another test's fork may hold
    /// its write descriptor until that child execs (as Support/HookProcess does). Only briefly.
    /// </summary>
    private static ConfigSnapshot AskWhenNotBusy(string path, string? cli)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return ConfigCompiler.Ask(path, cli);
            }
            catch (ConfigException e) when (attempt < 50 && e.Message.Contains("Text file busy", StringComparison.Ordinal))
            {
                Thread.Sleep(20);
            }
        }
    }

    private static string Script(TempDir dir, string name, string body)
    {
        var path = dir.File(name, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static string Octal(byte[] bytes) => string.Concat(bytes.Select(b => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}"));
}
