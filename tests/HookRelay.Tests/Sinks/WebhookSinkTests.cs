using System.Text;
using System.Text.Json;
using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Sinks.Http;
using HookRelay.Tests.Outbox;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

/// <summary>The webhook sink against a real HTTP server (Kestrel on loopback).</summary>
public sealed class WebhookSinkTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly TempDir _dir = new();
    private TestReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _dir.Dispose();
    }

    private static WebhookSink Sink(string url, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal) { ["url"] = url };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        return WebhookSink.Create(new SinkSettings(new SinkConfig("hook", "webhook", all, new SourcePosition("test.yaml", 1, 1))));
    }

    private static SinkMessage Message(out byte[] body)
    {
        var ev = OutboxTestData.Event();
        body = ev.ToJsonUtf8();
        return new SinkMessage(ev.Id, "route", ev.Type, body);
    }

    private static Task<(int, IReadOnlyDictionary<string, string>?)> Answer(int status, params (string, string)[] headers) =>
        Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((status, headers.ToDictionary(h => h.Item1, h => h.Item2)));

    [Fact]
    public async Task Structured_mode_posts_the_whole_cloudevent_signed_with_headers_and_bearer_auth()
    {
        using var sink = Sink(_receiver.Url, ("secret", Secret), ("headers.X-Site", "lab"), ("auth.bearer", "t0ken"));
        var message = Message(out var body);
        Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(message, TestContext.Current.CancellationToken));

        var request = Assert.Single(_receiver.Accepted);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hook", request.Path);
        Assert.Equal("application/cloudevents+json; charset=utf-8", request.Headers["content-type"]);
        Assert.Equal(body, request.Body);
        Assert.Equal("lab", request.Headers["x-site"]);
        Assert.Equal("Bearer t0ken", request.Headers["authorization"]);
        // A receiver verifies with its own copy of the secret, as the spec says.
        Assert.Equal(message.EventId, request.Headers["webhook-id"]);
        var timestamp = long.Parse(request.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(timestamp, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal(new StandardWebhookSignature(Secret).Sign(message.EventId, timestamp, request.Body), request.Headers["webhook-signature"]);
    }

    [Fact]
    public async Task Binary_mode_sends_the_data_as_body_and_attributes_as_ce_headers()
    {
        using var sink = Sink(_receiver.Url, ("mode", "binary"), ("auth.username", "ganeti"), ("auth.password", "pa:ss"));
        var message = Message(out var body);
        Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(message, TestContext.Current.CancellationToken));

        var request = Assert.Single(_receiver.Accepted);
        using var original = JsonDocument.Parse(body);
        using var sent = JsonDocument.Parse(request.Body);
        Assert.Equal(original.RootElement.GetProperty("data").GetRawText(), sent.RootElement.GetRawText());
        Assert.Equal("application/json; charset=utf-8", request.Headers["content-type"]);
        Assert.Equal("1.0", request.Headers["ce-specversion"]);
        Assert.Equal(message.EventId, request.Headers["ce-id"]);
        Assert.Equal("org.ganeti.instance-migrate.post", request.Headers["ce-type"]);
        Assert.Equal("ganeti://cluster.lab.example", request.Headers["ce-source"]);
        Assert.Equal("web-1.lab.example", request.Headers["ce-subject"]);
        Assert.Equal(original.RootElement.GetProperty("opkey").GetString(), request.Headers["ce-opkey"]);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ganeti:pa:ss")), request.Headers["authorization"]);
    }

    [Fact]
    public async Task A_body_template_replaces_the_cloudevent_and_is_still_signed()
    {
        using var sink = Sink(_receiver.Url, ("secret", Secret),
            ("body", "{\"text\": \"*{{ data.instance.name }} migrated live* from {{ data.migrate.old_primary }} to {{ data.migrate.new_primary }}\"}"));
        var message = Message(out _);
        Assert.IsType<DeliveryResult.Delivered>(await sink.DeliverAsync(message, TestContext.Current.CancellationToken));

        var request = Assert.Single(_receiver.Accepted);
        Assert.Equal("application/json; charset=utf-8", request.Headers["content-type"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("*web-1.lab.example migrated live* from node1.lab.example to node2.lab.example", body.RootElement.GetProperty("text").GetString());
        var timestamp = long.Parse(request.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(new StandardWebhookSignature(Secret).Sign(message.EventId, timestamp, request.Body), request.Headers["webhook-signature"]);
    }

    [Theory]
    [InlineData("web 1", "web%201")]
    [InlineData("名前", "%E5%90%8D%E5%89%8D")]
    [InlineData("a\"b%c", "a%22b%25c")]
    [InlineData("2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z")]
    public void Binary_mode_header_values_are_percent_encoded_as_the_http_binding_says(string value, string expected) =>
        Assert.Equal(expected, WebhookSink.HeaderValue(value));

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(408)]
    public async Task Server_errors_are_retried(int status)
    {
        _receiver.Behaviour = (_, _) => Answer(status);
        using var sink = Sink(_receiver.Url);
        var result = Assert.IsType<DeliveryResult.Retry>(await sink.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
        Assert.Contains($"answered {status}", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_requests_is_retried_after_what_the_server_asked()
    {
        _receiver.Behaviour = (_, _) => Answer(429, ("Retry-After", "7"));
        using var sink = Sink(_receiver.Url);
        var result = Assert.IsType<DeliveryResult.Retry>(await sink.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
        Assert.Equal(TimeSpan.FromSeconds(7), result.After);
    }

    [Fact]
    public async Task Client_errors_are_not_retried_and_say_what_the_server_said()
    {
        _receiver.Behaviour = async (_, _) => await Answer(403);
        using var sink = Sink(_receiver.Url);
        var result = Assert.IsType<DeliveryResult.Failed>(await sink.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
        Assert.Contains("answered 403", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_is_down_is_retried_and_the_secret_path_never_appears()
    {
        var url = $"http://127.0.0.1:{_receiver.Port}/services/T000/B000/SECRETTOKEN";
        await _receiver.DownAsync();
        using var sink = Sink(url);
        var result = Assert.IsType<DeliveryResult.Retry>(await sink.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
        Assert.Contains($"127.0.0.1:{_receiver.Port}", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETTOKEN", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_slower_than_the_timeout_is_retried()
    {
        _receiver.Behaviour = async (_, _) =>
        {
            await Task.Delay(3000);
            return (200, null);
        };
        using var sink = Sink(_receiver.Url, ("timeout", "200ms"));
        var result = Assert.IsType<DeliveryResult.Retry>(await sink.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
        Assert.Contains("did not answer within 0.2 s", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_with_a_private_ca_is_trusted_only_through_ca_file_or_explicit_insecure()
    {
        using var certificates = new TestCertificates();
        await using var tls = await TestReceiver.StartAsync(certificates.Server);
        var caFile = _dir.File("ca.pem", certificates.AuthorityPem);

        using (var untrusted = Sink(tls.Url))
        {
            var refused = Assert.IsType<DeliveryResult.Retry>(await untrusted.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
            Assert.Contains("SSL", refused.Reason, StringComparison.OrdinalIgnoreCase);
        }
        using (var trusted = Sink(tls.Url, ("ca_file", caFile)))
        {
            Assert.IsType<DeliveryResult.Delivered>(await trusted.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
        }
        using (var insecure = Sink(tls.Url, ("insecure", "true")))
        {
            Assert.IsType<DeliveryResult.Delivered>(await insecure.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
        }
        Assert.Equal(2, tls.Accepted.Count);
    }

    [Fact]
    public async Task A_ca_file_for_another_name_is_still_refused()
    {
        using var certificates = new TestCertificates();
        await using var tls = await TestReceiver.StartAsync(certificates.Server);
        var caFile = _dir.File("ca.pem", certificates.AuthorityPem);
        // The certificate is for localhost; reaching it as 127.0.0.1 is a name mismatch.
        using var sink = Sink($"https://127.0.0.1:{tls.Port}/hook", ("ca_file", caFile));
        Assert.IsType<DeliveryResult.Retry>(await sink.DeliverAsync(Message(out _), TestContext.Current.CancellationToken));
        Assert.Empty(tls.Accepted);
    }
}
