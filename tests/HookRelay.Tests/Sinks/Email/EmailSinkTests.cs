using System.Text.Json;
using HookRelay.Events;
using HookRelay.Sinks;
using HookRelay.Sinks.Email;
using HookRelay.Sinks.Messages;
using HookRelay.Tests.Support;
using MimeKit;

namespace HookRelay.Tests.Sinks.Email;

/// <summary>The e-mail sink against a real SMTP server on loopback (aiosmtpd: STARTTLS, AUTH), each message parsed back.</summary>
public sealed class EmailSinkTests : IAsyncLifetime
{
    private SmtpServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await SmtpServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private EmailSink Sink(SmtpServer? server = null, params (string, string)[] more)
    {
        server ??= _server;
        return EmailSink.Create(SinkTestEvents.Settings("email", [
            ("host", "localhost"), ("port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("from", "Ganeti <ganeti@lab.example>"), ("to[0]", "ops@lab.example"), ("to[1]", "Virt Team <virt@lab.example>"),
            ("username", SmtpServer.User), ("password", SmtpServer.Password), ("ca_file", server.CaFile), ("timeout", "10s"), .. more]), RouteTexts.None);
    }

    private static async Task<DeliveryResult> Deliver(EmailSink sink, SinkMessage? message = null) =>
        await sink.DeliverAsync(message ?? SinkTestEvents.LiveMigration(), TestContext.Current.CancellationToken);

    private MimeMessage OnlyMessage(out JsonElement envelope)
    {
        var (eml, json) = Assert.Single(_server.Received());
        envelope = JsonDocument.Parse(json).RootElement.Clone();
        return MimeMessage.Load(eml);
    }

    [Fact]
    public async Task A_live_migration_arrives_over_starttls_authenticated_with_text_and_html()
    {
        Assert.IsType<DeliveryResult.Delivered>(await Deliver(Sink()));
        var mail = OnlyMessage(out var envelope);
        Assert.True(envelope.GetProperty("tls").GetBoolean());
        Assert.Equal(SmtpServer.User, envelope.GetProperty("login").GetString());
        Assert.Equal("ganeti@lab.example", envelope.GetProperty("mail_from").GetString());
        Assert.Equal(["ops@lab.example", "virt@lab.example"], envelope.GetProperty("rcpt_tos").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("web-1.lab.example live-migrated node1.lab.example → node2.lab.example on cluster cluster.lab.example (4.2 s)", mail.Subject);
        Assert.Equal($"{SinkTestEvents.Id}@hookrelay", mail.MessageId);
        Assert.Equal("Ganeti", mail.From.Mailboxes.Single().Name);
        Golden.AssertMatches("email-live-migration.txt", mail.TextBody!.ReplaceLineEndings("\n"));
        Golden.AssertMatches("email-live-migration.html", mail.HtmlBody!.ReplaceLineEndings("\n"));
    }

    private int[] PeerPorts() =>
        [.. _server.Received().Select(r => JsonDocument.Parse(r.Envelope).RootElement.GetProperty("peer")[1].GetInt32())];

    [Fact]
    public async Task Deliveries_one_after_another_share_one_smtp_session()
    {
        using var sink = Sink();
        for (var i = 0; i < 3; i++)
        {
            Assert.IsType<DeliveryResult.Delivered>(await Deliver(sink));
        }

        Assert.Equal(1, sink.SessionsOpened);
        Assert.Single(PeerPorts().Distinct());
        Assert.Equal(3, _server.Received().Count);
    }

    [Fact]
    public async Task A_session_the_server_dropped_while_idle_is_replaced_without_costing_a_retry()
    {
        await using var server = await SmtpServer.StartAsync(idleTimeout: TimeSpan.FromSeconds(1));
        using var sink = Sink(server);
        Assert.IsType<DeliveryResult.Delivered>(await Deliver(sink));

        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);

        Assert.IsType<DeliveryResult.Delivered>(await Deliver(sink));
        Assert.Equal(2, sink.SessionsOpened);
        Assert.Equal(2, server.Received().Count);
    }

    [Fact]
    public async Task A_test_sends_mail_says_so_in_the_subject_whatever_the_subject_template()
    {
        var ev = HookEventParser.Parse(Fixtures.Env("instance-migrate-post-node1-01"), "node1.lab.example");
        var cloudEvent = CloudEvent.For(ev, DateTimeOffset.UtcNow) with { Test = true };

        Assert.IsType<DeliveryResult.Delivered>(await Deliver(Sink(null, ("subject", "[ganeti] {{ hook }} {{ target }}")),
            new SinkMessage(cloudEvent.Id, "route", cloudEvent.Type, cloudEvent.ToJsonUtf8())));

        Assert.Equal("[hookrelay test] [ganeti] instance-migrate web-1.lab.example", OnlyMessage(out _).Subject);
    }

    [Fact]
    public async Task The_subject_template_is_used_on_one_line()
    {
        Assert.IsType<DeliveryResult.Delivered>(await Deliver(Sink(null, ("subject", "[ganeti] {{ hook }} {{ target }}"))));
        Assert.Equal("[ganeti] instance-migrate web-1.lab.example", OnlyMessage(out _).Subject);
    }

    public static TheoryData<string> HostileNames() =>
    [
        "evil\r\nBcc: victim@example.org\r\nX-Injected: yes",
        "<script>alert('x')</script> & \"quotes\"",
        "名前-😀-Ünïcødé",
        new string('x', 1_000_000),
    ];

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Hostile_names_make_a_valid_message_with_one_subject_line_and_escaped_html(string name)
    {
        var message = SinkTestEvents.LiveMigration(ev => ev with { Instance = ev.Instance! with { Name = name } });
        Assert.IsType<DeliveryResult.Delivered>(await Deliver(Sink(), message));
        var mail = OnlyMessage(out var envelope);
        Assert.Equal(2, envelope.GetProperty("rcpt_tos").GetArrayLength());
        Assert.DoesNotContain('\n', mail.Subject!);
        Assert.InRange(mail.Subject!.Length, 10, 250);
        Assert.Null(mail.Headers["X-Injected"]);
        Assert.Empty(mail.Bcc);
        var html = mail.HtmlBody!;
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        if (name.Length < 1000)
        {
            Assert.StartsWith("<b>" + TextFormats.Html(TextFormats.OneLine(name)) + "</b>",
                html[(html.IndexOf("<p>", StringComparison.Ordinal) + 3)..], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_wrong_password_is_a_dead_letter_that_does_not_show_it()
    {
        var failed = Assert.IsType<DeliveryResult.Failed>(await Deliver(Sink(null, ("password", "wrong-pw-123"))));
        Assert.Contains("authentication as 'hookrelay' failed", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-pw-123", failed.Reason, StringComparison.Ordinal);
        Assert.Empty(_server.Received());
    }

    [Fact]
    public async Task An_untrusted_certificate_is_refused()
    {
        var failed = Assert.IsType<DeliveryResult.Failed>(await Deliver(Sink(null, ("ca_file", "/etc/ssl/certs/ca-certificates.crt"))));
        Assert.Contains("TLS handshake failed", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_down_is_retried()
    {
        var down = ServiceProcesses.FreeLoopbackPort();
        var retry = Assert.IsType<DeliveryResult.Retry>(await Deliver(Sink(null, ("port", down.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        Assert.Contains($"localhost:{down}", retry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starttls_required_against_a_server_without_it_is_refused_before_any_password_is_sent()
    {
        await using var plain = await SmtpServer.StartAsync(withoutStartTls: true);
        var failed = Assert.IsType<DeliveryResult.Failed>(await Deliver(Sink(plain)));
        Assert.Contains("does not offer STARTTLS", failed.Reason, StringComparison.Ordinal);
        Assert.Empty(plain.Received());
    }

    [Fact]
    public async Task A_username_for_a_server_that_offers_no_auth_is_a_dead_letter_not_an_exception()
    {
        // Without STARTTLS this server does not offer AUTH (it offers it only over TLS).
        var failed = Assert.IsType<DeliveryResult.Failed>(await Deliver(Sink(null, ("starttls", "off"))));
        Assert.Contains("offers no authentication (AUTH), but username 'hookrelay' is set", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(SmtpServer.Password, failed.Reason, StringComparison.Ordinal);
        Assert.Empty(_server.Received());
    }

    [Fact]
    public void A_bad_address_is_refused_when_the_sink_is_built()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Sink(null, ("to[0]", "not an address\r\nBcc: x@y")));
        Assert.Contains("'to' is not an e-mail address", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}
