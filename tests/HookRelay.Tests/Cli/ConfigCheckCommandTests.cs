using HookRelay.Cli;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Cli;

/// <summary>`config check` builds every sink as `serve` would: what would stop a sink there is an error here.</summary>
public sealed class ConfigCheckCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private (int Exit, string Output) Check(string sink)
    {
        var path = _dir.File("hookrelay.yaml", $$"""
            sinks:
              ok: { type: file, path: {{_dir.Path}}/ok.jsonl }
              hook: {{sink}}
            routes:
              - { name: r, to: [ok, hook] }
            """);
        var output = new StringWriter();
        return (ConfigCheckCommand.Run(path, asJson: false, output), output.ToString());
    }

    [Theory]
    [InlineData("{ type: webhook, url: 'not a url' }", "url", "sink 'hook': 'url' is not an http(s) URL")]
    [InlineData("{ type: webhook, url: 'http://127.0.0.1:9/x', secret: 'whsec_not base64!' }", "secret", "not a Standard Webhooks secret")]
    [InlineData("{ type: webhook, url: 'http://127.0.0.1:9/x', body: '{\"a\": \"{{ hook }}\"}', content_type: json }", "content_type", "sink 'hook', content_type: 'json' is not a media type")]
    [InlineData("{ type: slack, url: 'ftp://hooks.example.org/x' }", "url", "is not an http(s) URL")]
    [InlineData("{ type: rfc2136, server: '127.0.0.1:53', tsig_key: k, tsig_secret: 'not base64!', zones: [example.org] }", "tsig_secret", "sink 'hook': tsig_secret is not base64")]
    [InlineData("{ type: powerdns, api: 'http://127.0.0.1:9', key: k, zones: [example.org], names: short }", "names", "sink 'hook': names: short needs a domain")]
    [InlineData("{ type: powerdns, api: 'http://127.0.0.1:9', key: k, zones: [example.org], domain: vm.example.net, names: short }", "domain", "domain vm.example.net. is in none of the zones")]
    [InlineData("{ type: powerdns, api: 'http://127.0.0.1:9', key: k, zones: [example.org], rapi: { url: 'https://127.0.0.1:5080', certificate: /nonexistent/rapi.pem } }", "certificate", "rapi.certificate /nonexistent/rapi.pem cannot be read")]
    public void A_sink_serve_could_not_build_is_an_error_at_the_setting_it_could_not_use(string sink, string key, string expected)
    {
        var (exit, output) = Check(sink);
        Assert.Equal(ExitCodes.Failed, exit);
        var column = "  hook: ".Length + sink.IndexOf($"{key}:", StringComparison.Ordinal) + 1;
        Assert.Contains($"hookrelay.yaml:3:{column}: error: ", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_address_in_a_list_is_reported_at_its_key_on_its_own_line()
    {
        var path = _dir.File("hookrelay.yaml", """
            sinks:
              mail:
                type: email
                host: smtp.example.org
                from: ganeti@example.org
                to:
                  - ops@example.org
                  - not an address
            routes:
              - { name: r, to: [mail] }
            """);
        var output = new StringWriter();

        Assert.Equal(ExitCodes.Failed, ConfigCheckCommand.Run(path, asJson: false, output));
        Assert.Contains("hookrelay.yaml:6:5: error: sink 'mail': 'to' is not an e-mail address", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_netbox_sink_without_its_address_and_token_names_both_and_a_misspelt_type_is_unknown()
    {
        var (exit, output) = Check("{ type: netbox }");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("'url'", output, StringComparison.Ordinal);
        Assert.Contains("'token'", output, StringComparison.Ordinal);
        Assert.Contains("expected one of", Check("{ type: netbx }").Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ type: slack, url: 'https://hooks.slack.com/services/T0/B0/xyzzy' }", "url")]
    [InlineData("{ type: webhook, url: 'http://127.0.0.1:9/x', auth: { bearer: s3cr3t-t0ken } }", "auth.bearer")]
    [InlineData("{ type: grafana, url: 'http://127.0.0.1:9', token: glsa_s3cr3t }", "token")]
    public void A_credential_written_in_the_file_is_a_warning_that_never_shows_it(string sink, string key)
    {
        var (exit, output) = Check(sink);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains($"warning: sink 'hook', {key}: a credential written in the file", output, StringComparison.Ordinal);
        Assert.DoesNotContain("xyzzy", output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_credential_by_reference_is_not_warned_about()
    {
        var token = _dir.File("token", "glsa_s3cr3t");
        var (exit, output) = Check($"{{ type: grafana, url: 'http://127.0.0.1:9', token: '${{file:{token}}}' }}");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.DoesNotContain("credential", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sink_serve_can_build_passes()
    {
        var (exit, output) = Check("{ type: webhook, url: 'http://127.0.0.1:9/x', body: '{\"a\": \"{{ hook }}\"}', content_type: 'application/json' }");
        Assert.True(exit == ExitCodes.Ok, output);
        Assert.Contains("valid (2 sinks", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_web_token_that_cannot_be_read_is_an_error_and_one_written_inline_a_warning()
    {
        var missing = Path.Combine(_dir.Path, "no-such-token");
        var broken = _dir.File("broken.yaml", $"web: {{ listen: \"*:9786\", token: \"${{file:{missing}}}\" }}\nsinks:\n  ok: {{ type: file, path: {_dir.Path}/ok.jsonl }}\nroutes: [ {{ name: r, to: [ok] }} ]\n");
        var output = new StringWriter();
        Assert.Equal(ExitCodes.Failed, ConfigCheckCommand.Run(broken, asJson: false, output));
        Assert.Contains("broken.yaml:1:6: error: web.token: ", output.ToString(), StringComparison.Ordinal);

        var inline = _dir.File("inline.yaml", $"web: {{ listen: \"*:9786\", token: hunter2-hunter2 }}\nsinks:\n  ok: {{ type: file, path: {_dir.Path}/ok.jsonl }}\nroutes: [ {{ name: r, to: [ok] }} ]\n");
        output = new StringWriter();
        Assert.Equal(ExitCodes.Ok, ConfigCheckCommand.Run(inline, asJson: false, output));
        Assert.Contains("inline.yaml:1:6: warning: web.token: a credential written in the file", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output.ToString(), StringComparison.Ordinal);
    }
}
