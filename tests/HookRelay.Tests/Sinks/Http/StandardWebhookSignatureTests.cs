using HookRelay.Sinks.Http;

namespace HookRelay.Tests.Sinks.Http;

public class StandardWebhookSignatureTests
{
    // The test vector published with the Standard Webhooks specification and its reference libraries.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Payload = "{\"test\": 2432232314}";
    private const string Expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void Signature_matches_the_specification_test_vector()
    {
        var signer = new StandardWebhookSignature(Secret);
        Assert.Equal(Expected, signer.Sign(MessageId, Timestamp, System.Text.Encoding.UTF8.GetBytes(Payload)));
    }

    [Fact]
    public void The_whsec_prefix_is_optional()
    {
        var signer = new StandardWebhookSignature(Secret["whsec_".Length..]);
        Assert.Equal(Expected, signer.Sign(MessageId, Timestamp, System.Text.Encoding.UTF8.GetBytes(Payload)));
    }

    [Fact]
    public void A_changed_body_changes_the_signature()
    {
        var signer = new StandardWebhookSignature(Secret);
        Assert.NotEqual(Expected, signer.Sign(MessageId, Timestamp, System.Text.Encoding.UTF8.GetBytes("{\"test\": 2432232315}")));
    }

    [Fact]
    public void A_secret_that_is_not_base64_is_refused_without_echoing_it()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new StandardWebhookSignature("whsec_not*base64!"));
        Assert.DoesNotContain("not*base64", e.Message, StringComparison.Ordinal);
    }
}
