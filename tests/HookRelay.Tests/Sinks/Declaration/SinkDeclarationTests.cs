using HookRelay.Delivery;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Declaration;

/// <summary>
/// What a sink type declares is what its code reads: each type is built with every declared
/// setting given, and must read every one of them (a declared setting it ignores would be a
/// silent no-op for the operator) and nothing else (an undeclared one fails the build).
/// </summary>
public sealed class SinkDeclarationTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TestCertificates _certificates = new();

    public void Dispose()
    {
        _certificates.Dispose();
        _dir.Dispose();
    }

    public static TheoryData<string> TypeNames => [.. SinkTypes.All.Select(t => t.Name)];

    /// <summary>A valid value for a setting, where "x" would not build: addresses, URLs, files, secrets.</summary>
    private string Sample(SinkKey key) => key.Name switch
    {
        "url" => "http://127.0.0.1:9/hook",
        "path" => Path.Combine(_dir.Path, "out.jsonl"),
        "secret" => "whsec_" + Convert.ToBase64String(new byte[24]),
        "ca_file" => _dir.File("ca.pem", _certificates.AuthorityPem),
        "insecure" or "tls" or "fsync" or "blocks" => "false",
        "max_size" => "1MB",
        "address" => "udp://127.0.0.1:514",
        "sd_id" => "ganeti@32473",
        "from" or "to" => "ganeti@example.org",
        "command" => "/bin/true",
        "api" => "http://127.0.0.1:9",
        "server" => "127.0.0.1:9",
        "certificate" => _dir.File("ca.pem", _certificates.AuthorityPem),
        "fingerprint" => new string('a', 64),
        "tsig_secret" => Convert.ToBase64String(new byte[32]),
        "content_type" => "text/plain",
        "regions" => "instance-migrate",
        _ when key.Choices is { } choices => choices[0],
        _ => key.Shape switch
        {
            KeyShape.Flag => "true",
            KeyShape.WholeNumber or KeyShape.WholeNumberList => "3",
            KeyShape.Number => "1.5",
            KeyShape.Duration => "2s",
            _ => "x",
        },
    };

    /// <summary>Every declared setting, flattened as ConfigLoader flattens them.</summary>
    private SortedDictionary<string, string> EverySetting(SinkType type)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in type.Keys)
        {
            switch (key.Shape)
            {
                case KeyShape.TextList or KeyShape.WholeNumberList:
                    settings[$"{key.Name}[0]"] = Sample(key);
                    break;
                case KeyShape.TextMap:
                    settings[$"{key.Name}.team"] = Sample(key);
                    break;
                case KeyShape.Group:
                    foreach (var child in key.Children)
                    {
                        settings[$"{key.Name}.{child.Name}"] = Sample(child);
                    }
                    break;
                case KeyShape.Shared when key.Definition == "http_headers":
                    settings[$"{key.Name}.X-Team"] = "ops";
                    break;
                case KeyShape.Shared when key.Definition == "http_auth":
                    settings[$"{key.Name}.bearer"] = "token";
                    break;
                default:
                    settings[key.Name] = Sample(key);
                    break;
            }
        }
        if (type.Name == global::HookRelay.Sinks.Brokers.NatsSink.Type)
        {
            settings["url"] = "nats://127.0.0.1:9";
        }
        return settings;
    }

    [Theory]
    [MemberData(nameof(TypeNames))]
    public void A_sink_type_reads_every_setting_it_declares_and_no_other(string typeName)
    {
        var type = SinkTypes.Find(typeName)!;
        var settings = new SinkSettings(new SinkConfig("s", type.Name, EverySetting(type), new SourcePosition("test.yaml", 1, 1)), type);

        var sink = type.Create(settings, RouteTexts.None);
        (sink as IDisposable)?.Dispose();
        DeliveryPolicy.From(settings, defaultConcurrency: 4, type.DefaultRatePerSecond);

        var read = settings.KeysRead;
        var unread = type.Keys.SelectMany(key => key.Shape == KeyShape.Group
                ? key.Children.Select(c => $"{key.Name}.{c.Name}").Where(name => !read.Contains(name))
                : read.Any(r => type.KeyOf(r)?.Name == key.Name) ? [] : [key.Name])
            .ToList();
        Assert.True(unread.Count == 0, $"sink type '{type.Name}' declares settings it never reads: {string.Join(", ", unread)}");
        Assert.All(read, r => Assert.NotNull(type.KeyOf(r)));
    }

    [Fact]
    public void Reading_a_setting_the_type_does_not_declare_fails_naming_it()
    {
        var settings = new SinkSettings(new SinkConfig("out", "file", new SortedDictionary<string, string>(StringComparer.Ordinal) { ["url"] = "http://x" },
            new SourcePosition("test.yaml", 1, 1)), FileSink.Declaration);

        var e = Assert.Throws<InvalidOperationException>(() => settings.Text("url"));

        Assert.Contains("reads 'url', which sink type 'file' does not declare", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_are_the_declared_ones_and_basic_auth_user_names_are_not()
    {
        Assert.True(WebhookSink.Declaration.KeyOf("auth.password")!.HoldsCredential("auth.password"));
        Assert.True(WebhookSink.Declaration.KeyOf("auth.bearer")!.HoldsCredential("auth.bearer"));
        Assert.False(WebhookSink.Declaration.KeyOf("auth.username")!.HoldsCredential("auth.username"));
        Assert.True(ChatSink.Slack.KeyOf("url")!.HoldsCredential("url"));
        Assert.False(WebhookSink.Declaration.KeyOf("url")!.HoldsCredential("url"));
    }
}
