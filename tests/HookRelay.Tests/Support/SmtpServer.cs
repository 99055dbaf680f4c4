using System.Diagnostics;

namespace HookRelay.Tests.Support;

/// <summary>
/// A real SMTP server (Debian's aiosmtpd, Support/smtp_server.py) on a loopback port of its own:
/// STARTTLS with the test CA's certificate (unless withoutStartTls), AUTH for one user; every
/// message saved to a scratch directory. Stopped by its pid.
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    public const string User = "hookrelay";
    public const string Password = "s3cret-pw";
    private readonly Process _process;

    private SmtpServer(Process process, TempDir dir, TestCertificates certificates, int port, string caFile)
    {
        _process = process;
        Dir = dir;
        Certificates = certificates;
        Port = port;
        CaFile = caFile;
    }

    public int Port { get; }

    public TempDir Dir { get; }

    public TestCertificates Certificates { get; }

    public string CaFile { get; }

    public string Mailbox => Path.Combine(Dir.Path, "mail");

    /// <param name="idleTimeout">How long the server keeps an idle session before it says 421 and hangs up (aiosmtpd's default: 5 minutes).</param>
    public static async Task<SmtpServer> StartAsync(bool withoutStartTls = false, TimeSpan? idleTimeout = null)
    {
        if (!File.Exists("/usr/lib/python3/dist-packages/aiosmtpd/__init__.py"))
        {
            RequiredService.SkipOrFail("aiosmtpd (Debian package python3-aiosmtpd)");
        }
        var dir = new TempDir();
        var certificates = new TestCertificates();
        var (cert, key, ca) = certificates.WritePem(dir.Path);
        Directory.CreateDirectory(Path.Combine(dir.Path, "mail"));
        var port = ServiceProcesses.FreeLoopbackPort();
        string[] arguments = [Path.Combine(AppContext.BaseDirectory, "Support", "smtp_server.py"), port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Path.Combine(dir.Path, "mail"), cert, key, User, Password, .. withoutStartTls ? new[] { "--no-starttls" } : [],
            .. idleTimeout is { } idle ? new[] { "--idle-timeout", idle.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) } : []];
        var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.BeginErrorReadLine();
        var server = new SmtpServer(process, dir, certificates, port, ca);
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var line = await process.StandardOutput.ReadLineAsync(ready.Token);
        if (line != "ready")
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"the SMTP server did not start (said '{line}')");
        }
        return server;
    }

    /// <summary>The messages received so far: each .eml with its envelope (.json), in arrival order.</summary>
    public IReadOnlyList<(string Eml, string Envelope)> Received() =>
        [.. Directory.GetFiles(Mailbox, "*.eml").OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture))
            .Select(f => (f, File.ReadAllText(Path.ChangeExtension(f, ".json"))))];

    public async ValueTask DisposeAsync()
    {
        await ServiceProcesses.StopAsync(_process);
        Certificates.Dispose();
        Dir.Dispose();
    }
}
