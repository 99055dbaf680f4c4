using System.Diagnostics;

namespace HookRelay.Tests.Support;

/// <summary>How the broker tests start Debian's brokers, each the way ../shared/reference/services.md found works here.</summary>
public static class Brokers
{
    public const string User = "hookrelay";
    public const string Password = "broker-secret-3141";

    /// <summary>A mosquitto the test started, and its listeners beside the anonymous one on <see cref="BrokerServer.Port"/>.</summary>
    /// <param name="AuthPort">User/password required.</param>
    /// <param name="TlsPort">TLS with a certificate for localhost from a private CA (<paramref name="CaFile"/>), user/password required.</param>
    public sealed record Mosquitto(BrokerServer Server, int AuthPort, int TlsPort, string CaFile);

    public static async Task<Mosquitto> MosquittoAsync()
    {
        var dir = new TempDir();
        var authPort = ServiceProcesses.FreeLoopbackPort();
        var tlsPort = ServiceProcesses.FreeLoopbackPort();
        using var certificates = new TestCertificates();
        var (certificate, key, authority) = certificates.WritePem(dir.Path);
        var passwords = Path.Combine(dir.Path, "passwords");
        if (File.Exists("/usr/bin/mosquitto_passwd"))
        {
            Run("/usr/bin/mosquitto_passwd", "-b", "-c", passwords, User, Password);
        }
        var server = await BrokerServer.StartAsync("mosquitto", "/usr/sbin/mosquitto", (d, port) =>
        {
            var config = Path.Combine(d.Path, "mosquitto.conf");
            // As root, mosquitto 2 drops to its own user unless told not to: then it cannot read the password file.
            File.WriteAllText(config, $"""
                user root
                per_listener_settings true
                persistence false
                listener {port} 127.0.0.1
                allow_anonymous true
                listener {authPort} 127.0.0.1
                allow_anonymous false
                password_file {passwords}
                listener {tlsPort} 127.0.0.1
                allow_anonymous false
                password_file {passwords}
                certfile {certificate}
                keyfile {key}
                """);
            return ["-c", config];
        }, dir);
        return new Mosquitto(server, authPort, tlsPort, authority);
    }

    /// <summary>nats-server with JetStream, its store in the server's directory (kept across <see cref="BrokerServer.StopAsync"/>).</summary>
    public static Task<BrokerServer> NatsAsync() =>
        BrokerServer.StartAsync("nats", "/usr/sbin/nats-server", (d, port) => ["-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", Path.Combine(d.Path, "store")]);

    /// <summary>
    /// RabbitMQ on its own node name, ports, epmd and state (Debian's wrappers su to the rabbitmq
    /// user and share one cookie: the scripts in /usr/lib/rabbitmq/bin are run directly), with a
    /// vhost and a user of its own.
    /// </summary>
    public static async Task<BrokerServer> RabbitMqAsync()
    {
        const string bin = "/usr/lib/rabbitmq/bin";
        if (!File.Exists($"{bin}/rabbitmq-server"))
        {
            RequiredService.SkipOrFail("RabbitMQ (Debian package rabbitmq-server)");
        }
        var dir = new TempDir();
        var epmdPort = ServiceProcesses.FreeLoopbackPort();
        var distPort = ServiceProcesses.FreeLoopbackPort();
        var node = $"hr{Environment.ProcessId}x{epmdPort}@localhost";
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = dir.Path,
            ["ERL_EPMD_PORT"] = epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_NODENAME"] = node,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir.Path, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir.Path, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir.Path, "rabbitmq"),
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(dir.Path, "rabbitmq-env.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir.Path, "enabled_plugins"),
        };
        File.WriteAllText(Path.Combine(dir.Path, "enabled_plugins"), "[].\n");
        File.WriteAllText(Path.Combine(dir.Path, "rabbitmq-env.conf"), "");
        // Our own epmd first: one erl would otherwise spawn is an orphan nobody stops.
        var epmd = Process.Start(new ProcessStartInfo("/usr/bin/epmd", ["-port", environment["ERL_EPMD_PORT"], "-address", "127.0.0.1"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string Ctl(params string[] arguments)
        {
            var start = new ProcessStartInfo($"{bin}/rabbitmqctl", ["-n", node, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
            using var ctl = Process.Start(start)!;
            var output = ctl.StandardOutput.ReadToEnd() + ctl.StandardError.ReadToEnd();
            ctl.WaitForExit();
            Assert.True(ctl.ExitCode == 0, $"rabbitmqctl {string.Join(' ', arguments)}: {output}");
            return output;
        }
        var port = ServiceProcesses.FreeLoopbackPort();
        environment["RABBITMQ_NODE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The server script forwards a stop to the Erlang VM only through rabbitmqctl: a kill would leave beam behind.
        var server = await BrokerServer.StartAsync("rabbitmq", $"{bin}/rabbitmq-server", (_, _) => [], dir, port, environment,
            stop: () => Task.Run(() => Ctl("stop")), ready: TimeSpan.FromSeconds(90));
        server.Keep(epmd);
        Ctl("await_startup");
        Ctl("add_vhost", "hookrelay");
        Ctl("add_user", User, Password);
        Ctl("set_permissions", "-p", "hookrelay", User, ".*", ".*", ".*");
        return server;
    }

    public static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {errors}");
        return output.Result;
    }
}
