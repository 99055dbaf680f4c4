using System.Text.Json;
using System.Text.Json.Nodes;

namespace HookRelay.Tests.Support;

/// <summary>
/// Stands in for OPA (no OPA build is installable from the registries this project may use):
/// a real HTTP server speaking OPA's Data API as documented: POST /v1/data/&lt;path&gt; with
/// {"input": ...}, answer {"result": ...}, and {} when the path names no document. Its two
/// documents hold a fixed policy on the event: ganeti/allow (an object with allow and reason) and
/// ganeti/deny (a set of messages, as a `deny[msg]` rule gives).
/// </summary>
public static class OpaCompatibleServer
{
    public const string AllowPath = "/v1/data/ganeti/allow";
    public const string DenyPath = "/v1/data/ganeti/deny";

    public static async Task<TestReceiver> StartAsync()
    {
        var server = await TestReceiver.StartAsync();
        server.Behaviour = (_, request) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((Valid(request) ? 200 : 400, null));
        server.AnswerBody = (_, request) => Valid(request) ? Answer(request) : """{"code":"invalid_parameter","message":"body must be {\"input\": ...}"}""";
        return server;
    }

    public static string Url(TestReceiver server, string path) => $"http://127.0.0.1:{server.Port}{path}";

    private static bool Valid(ReceivedRequest request)
    {
        try
        {
            using var document = JsonDocument.Parse(request.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("input", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Answer(ReceivedRequest request)
    {
        var denials = Denials(request);
        return request.Path switch
        {
            AllowPath => new JsonObject { ["result"] = new JsonObject { ["allow"] = denials.Count == 0, ["reason"] = string.Join("; ", denials) } }.ToJsonString(),
            DenyPath => new JsonObject { ["result"] = new JsonArray([.. denials.Select(d => (JsonNode?)d)]) }.ToJsonString(),
            _ => "{}",
        };
    }

    /// <summary>The policy: at most 1024 MiB of (maximum) memory, and an owner: tag.</summary>
    private static List<string> Denials(ReceivedRequest request)
    {
        using var document = JsonDocument.Parse(request.Body);
        var instance = document.RootElement.GetProperty("input").GetProperty("data").GetProperty("instance");
        var denials = new List<string>();
        var memory = instance.GetProperty("maxmem_mib").GetInt64();
        if (memory > 1024)
        {
            denials.Add($"{instance.GetProperty("name").GetString()} asks for {memory} MiB, the limit is 1024");
        }
        if (!instance.GetProperty("tags").EnumerateArray().Any(t => t.GetString()!.StartsWith("owner:", StringComparison.Ordinal)))
        {
            denials.Add("no owner: tag");
        }
        return denials;
    }
}
