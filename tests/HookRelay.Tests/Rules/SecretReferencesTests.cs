using System.Text;
using HookRelay.Cli;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Rules;

public class SecretReferencesTests
{
    private const string Secret = "xoxb-very-secret-token-4711";

    [Fact]
    public void File_reference_resolves_to_the_content_without_trailing_newline()
    {
        using var dir = new TempDir();
        var file = dir.File("token", Secret + "\n");
        Assert.Equal($"Bearer {Secret}", SecretReferences.Resolve($"Bearer ${{file:{file}}}"));
    }

    [Fact]
    public void Env_reference_resolves_from_the_environment() =>
        Assert.Equal(Secret, SecretReferences.Resolve("${env:SLACK}", name => name == "SLACK" ? Secret : null));

    [Fact]
    public void Double_dollar_writes_a_literal_reference() =>
        Assert.Equal("${env:X}", SecretReferences.Resolve("$${env:X}", _ => Secret));

    [Fact]
    public void Missing_secret_names_the_reference_not_a_value()
    {
        var e = Assert.Throws<SecretException>(() => SecretReferences.Resolve("${env:NOPE}", _ => null));
        Assert.Contains("${env:NOPE}", e.Message, StringComparison.Ordinal);
        var f = Assert.Throws<SecretException>(() => SecretReferences.Resolve("${file:/nonexistent/token}"));
        Assert.Contains("/nonexistent/token", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_check_resolves_secrets_but_never_prints_them()
    {
        using var dir = new TempDir();
        var token = dir.File("token", Secret);
        var config = dir.File("hookrelay.yaml", $"""
            sinks:
              ok: {"{"} type: file, path: "{dir.Path}/${"{"}file:{token}{"}"}" {"}"}
              broken: {"{"} type: file, path: "${"{"}file:{dir.Path}/missing{"}"}" {"}"}
            routes:
              - {"{"} name: r, to: [ok, broken] {"}"}
            """);
        var output = new StringWriter();
        var exit = ConfigCheckCommand.Run(config, asJson: false, output);
        var text = output.ToString();
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("sink 'broken'", text, StringComparison.Ordinal);
        Assert.Contains("missing", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_never_prints_a_secret()
    {
        using var dir = new TempDir();
        var token = dir.File("token", Secret);
        var config = dir.File("hookrelay.yaml", $"""
            sinks:
              f: {"{"} type: file, path: "{dir.Path}/${"{"}file:{token}{"}"}.jsonl" {"}"}
            routes:
              - {"{"} name: r, on_node: all, to: [f] {"}"}
            """);
        var output = new StringWriter();
        var err = new StringWriter();
        var exit = SimulateCommand.Run(new SimulateCommand.Request(config, "instance-migrate", "post", null, [], "node1.lab.example", false), output, err);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("would send", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output.ToString() + err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.jsonl"));
    }

    [Fact]
    public void Config_errors_never_echo_a_secret_value()
    {
        var yaml = $"sinks:\n  f: {{ type: file, path: /x, token: \"{Secret}\" }}\n";
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Encoding.UTF8.GetBytes(yaml), "t.yaml"));
        Assert.DoesNotContain(Secret, string.Join("\n", e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Pattern_errors_do_not_echo_the_value_a_url_may_be_secret()
    {
        var yaml = $"gates:\n  - name: g\n    http: {{ url: \"hooks.example.org/{Secret}\" }}\n    on_error: allow\n";
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Encoding.UTF8.GetBytes(yaml), "t.yaml"));
        Assert.Contains(e.Errors, x => x.Message.Contains("gates[0].http.url", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, string.Join("\n", e.Errors), StringComparison.Ordinal);
    }
}
