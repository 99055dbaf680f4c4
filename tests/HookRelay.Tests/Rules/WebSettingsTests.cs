using System.Text;
using HookRelay.Rules;

namespace HookRelay.Tests.Rules;

public class WebSettingsTests
{
    private const string Sink = "sinks:\n  f: { type: file, path: /tmp/x }\nroutes: [ { name: r, to: [f] } ]\n";

    private static HookRelayConfig Load(string web) => ConfigLoader.Parse(Encoding.UTF8.GetBytes(web + Sink), "test.yaml");

    private static string ErrorOf(string web) =>
        string.Join("\n", Assert.Throws<ConfigException>(() => Load(web)).Errors.Select(e => $"{e.Line}:{e.Column} {e.Message}"));

    [Fact]
    public void Without_a_web_section_there_is_no_listener()
    {
        Assert.Null(Load("").Web);
        Assert.Equal(WebSettings.DefaultListen, Load("web: {}\n").Web!.Listen);
    }

    [Fact]
    public void A_listener_beyond_loopback_needs_a_token()
    {
        Assert.Contains("2:11 web.listen '0.0.0.0:9786' is reachable from other hosts: set web.token", ErrorOf("web:\n  listen: 0.0.0.0:9786\n"), StringComparison.Ordinal);
        Assert.Contains("reachable from other hosts", ErrorOf("web: { listen: \"*:9786\" }\n"), StringComparison.Ordinal);
        Assert.Contains("reachable from other hosts", ErrorOf("web: { listen: \"10.0.0.5:9786\" }\n"), StringComparison.Ordinal);
        Assert.Equal("${file:/etc/hookrelay/web-token}", Load("web: { listen: \"*:9786\", token: \"${file:/etc/hookrelay/web-token}\" }\n").Web!.Token);
        Assert.Null(Load("web: { listen: \"[::1]:9786\" }\n").Web!.Token);
        Assert.NotNull(Load("web: { listen: \"localhost:9786\" }\n").Web);
    }

    [Fact]
    public void A_listen_address_that_is_not_host_and_port_is_refused()
    {
        foreach (var bad in new[] { "9786", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "host name:80", "300.1.1.1:80" })
        {
            Assert.Contains($"web.listen '{bad}': expected host:port", ErrorOf($"web: {{ listen: \"{bad}\" }}\n"), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:9786", "http://127.0.0.1:9786/", true)]
    [InlineData("[::1]:9786", "http://[::1]:9786/", true)]
    [InlineData("localhost:80", "http://localhost:80/", true)]
    [InlineData("*:9786", "http://*:9786/", false)]
    [InlineData("0.0.0.0:9786", "http://*:9786/", false)]
    [InlineData("[::]:9786", "http://*:9786/", false)]
    [InlineData("192.0.2.7:9786", "http://192.0.2.7:9786/", false)]
    public void An_address_becomes_the_listeners_prefix(string listen, string prefix, bool loopback)
    {
        var address = WebAddress.Parse(listen)!;
        Assert.Equal(prefix, address.Prefix);
        Assert.Equal(loopback, address.Loopback);
    }
}
