using HookRelay.Sinks;
using HookRelay.Sinks.Brokers;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks.Brokers;

/// <summary>An event HookRelay rendered (data last) is taken apart without parsing its data: the parts must be the parsed document's.</summary>
public class CloudEventPartsTests
{
    public static TheoryData<string> Captures() => Fixtures.Captures();

    [Theory]
    [MemberData(nameof(Captures))]
    public void A_rendered_event_is_taken_apart_as_its_parsed_document_is(string capture)
    {
        var rendered = SinkTestEvents.Message(capture);
        Assert.True(rendered.DataLast);
        var document = rendered with { DataLast = false };
        using var fast = CloudEventParts.Parse(rendered);
        using var parsed = CloudEventParts.Parse(document);
        Assert.Equal(parsed.Attributes, fast.Attributes);
        Assert.Equal(BrokerTestEvents.Attributes(document), fast.Attributes.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal));
        Assert.Equal(parsed.ContentType, fast.ContentType);
        Assert.Equal(parsed.Id, fast.Id);
        Assert.Equal(SinkTestEvents.Id, fast.Id);
        Assert.Equal(BrokerTestEvents.Data(document), System.Text.Encoding.UTF8.GetString(fast.Data.Span));
        Assert.Equal(parsed.Data.ToArray(), fast.Data.ToArray());
        foreach (var mode in new[] { BindingMode.Binary, BindingMode.Structured })
        {
            Assert.Equal(parsed.Headers(mode, "ce-"), fast.Headers(mode, "ce-"));
            Assert.Equal(parsed.Body(mode).Payload.ToArray(), fast.Body(mode).Payload.ToArray());
            Assert.Equal(parsed.Body(mode).ContentType, fast.Body(mode).ContentType);
        }
        Assert.Equal(parsed.View.Text("target"), fast.View.Text("target"));
    }

    [Fact]
    public void Attributes_that_are_not_text_keep_their_json_and_whitespace_after_data_is_not_data()
    {
        var json = "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"sequence\":42,\"flag\":true,\"datacontenttype\":\"application/json\",\"data\":{\"a\":[1,2]} \n}"u8.ToArray();
        using var fast = CloudEventParts.Parse(new SinkMessage("e-1", "r", "t", json) { DataLast = true });
        Assert.Equal([KeyValuePair.Create("specversion", "1.0"), KeyValuePair.Create("id", "e-1"), KeyValuePair.Create("sequence", "42"), KeyValuePair.Create("flag", "true")], fast.Attributes);
        Assert.Equal("{\"a\":[1,2]}", System.Text.Encoding.UTF8.GetString(fast.Data.Span));
        Assert.Equal("application/json", fast.ContentType);
    }
}
