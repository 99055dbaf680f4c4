using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HookRelay.Tests.Support;

/// <summary>One request as the receiver saw it.</summary>
public sealed record ReceivedRequest(int Index, string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At, int Status);

/// <summary>What the receiver answers to request number <c>index</c> (0-based): a status, and headers to add.</summary>
public delegate Task<(int Status, IReadOnlyDictionary<string, string>? Headers)> ReceiverBehaviour(int index, ReceivedRequest request);

/// <summary>
/// A real HTTP server (Kestrel) on loopback for sinks and the daemon to deliver to. It records
/// every request, answers as the test scripts it (fail the first N, 429 with Retry-After, be
/// slow), and can go down and come back on the same port.
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly X509Certificate2? _certificate;
    private WebApplication? _app;
    private int _count;

    private TestReceiver(X509Certificate2? certificate) => _certificate = certificate;

    public ReceiverBehaviour Behaviour { get; set; } = (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((200, null));

    /// <summary>From now on every request is answered 500 (<paramref name="failing"/>) or 200: a far end that is up for TCP and failing for the application, dead letters on demand.</summary>
    public void AnswerAll(bool failing) =>
        Behaviour = (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((failing ? 500 : 200, null));

    /// <summary>A JSON body to answer request number <c>index</c> with (a policy server's decision); null for none.</summary>
    public Func<int, ReceivedRequest, string?> AnswerBody { get; set; } = (_, _) => null;

    public int Port { get; private set; }

    public string Url => $"{(_certificate is null ? "http" : "https")}://{(_certificate is null ? "127.0.0.1" : "localhost")}:{Port}/hook";

    /// <summary>Requests answered with a 2xx, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Accepted => [.. _received.Where(r => r.Status is >= 200 and < 300).OrderBy(r => r.Index)];

    public IReadOnlyList<ReceivedRequest> All => [.. _received.OrderBy(r => r.Index)];

    public static async Task<TestReceiver> StartAsync(X509Certificate2? certificate = null)
    {
        var receiver = new TestReceiver(certificate);
        await receiver.UpAsync(0);
        return receiver;
    }

    /// <summary>Stops listening: connections are refused until <see cref="UpAsync"/>.</summary>
    public async Task DownAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async Task UpAsync(int port = -1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port < 0 ? Port : port, listen =>
        {
            if (_certificate is not null)
            {
                listen.UseHttps(_certificate);
            }
        }));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    /// <summary>Waits until <paramref name="done"/> holds, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(Func<TestReceiver, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what}: not seen within {timeout.TotalSeconds} s ({Accepted.Count} accepted of {All.Count} requests)");
            }
            await Task.Delay(50);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var request = new ReceivedRequest(index, context.Request.Method, context.Request.Path, headers, body.ToArray(), DateTimeOffset.UtcNow, 0);
        var (status, extra) = await Behaviour(index, request);
        _received.Enqueue(request with { Status = status });
        context.Response.StatusCode = status;
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
        if (AnswerBody(index, request) is { } answer)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer);
        }
    }

    public async ValueTask DisposeAsync() => await DownAsync();
}
