// bench-receiver PORT [--delay-ms N] [--status CODE] [--answer JSON]
// Answers every POST after the delay with the status (and the JSON body, e.g. a policy decision), and remembers when each event id first
// arrived (unix ns), read from the CloudEvents body or the webhook-id header.
// GET /stats -> "requests distinct"; GET /arrivals -> "id unix_ns" lines.
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var delay = Option("--delay-ms", 0);
var status = Option("--status", 200);
var answer = Array.IndexOf(args, "--answer") is >= 0 and var at && at + 1 < args.Length ? args[at + 1] : null;
var arrivals = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
long requests = 0;

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
var app = builder.Build();
app.MapPost("/{**path}", async (HttpContext context) =>
{
    var now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
    using var body = new MemoryStream();
    await context.Request.Body.CopyToAsync(body);
    Interlocked.Increment(ref requests);
    var id = context.Request.Headers["webhook-id"].ToString();
    if (id.Length == 0 && body.Length > 0)
    {
        id = TopLevelId(body.GetBuffer().AsSpan(0, (int)body.Length));
    }
    if (id.Length > 0)
    {
        arrivals.TryAdd(id, now);
    }
    if (delay > 0)
    {
        await Task.Delay(delay);
    }
    context.Response.StatusCode = status;
    if (answer is not null)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer);
    }
});
app.MapGet("/stats", () => $"{Interlocked.Read(ref requests)} {arrivals.Count}\n");
app.MapGet("/arrivals", () => string.Concat(arrivals.Select(a => $"{a.Key} {a.Value}\n")));
app.Run();

// Reads only as far as the CloudEvent's top-level "id" (second attribute): the receiver should
// cost as little as a real one that stores the body, not parse 12 KB per request.
static string TopLevelId(ReadOnlySpan<byte> json)
{
    var reader = new Utf8JsonReader(json);
    try
    {
        while (reader.Read())
        {
            if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                return reader.GetString() ?? "";
            }
            if (reader.CurrentDepth == 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }
    }
    catch (JsonException)
    {
    }
    return "";
}

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
