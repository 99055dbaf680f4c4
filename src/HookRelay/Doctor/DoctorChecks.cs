using HookRelay.Cli;
using HookRelay.Delivery;
using HookRelay.Hook;
using HookRelay.Rules;

namespace HookRelay.Doctor;

/// <summary>
/// Everything `hookrelay doctor` looks at on this node, in the order an operator would: the
/// configuration, the binaries, the hook links, the outbox, the daemon, each sink, the clock.
/// </summary>
public static class DoctorChecks
{
    public static async Task<IReadOnlyList<Finding>> RunAsync(string configPath, string hooksRoot, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        HookRelayConfig config;
        try
        {
            config = ConfigLoader.Load(configPath);
            findings.Add(Finding.Ok("config", $"{configPath} loads: {Counted.Of(config.Sinks.Count, "sink", "sinks")}, {Counted.Of(config.Routes.Count, "route", "routes")}, "
                + $"{Counted.Of(config.Gates.Count, "gate", "gates")}, {Counted.Of(config.Actions.Count, "action", "actions")}; sha256 {config.Hash[..12]}"));
        }
        catch (ConfigException e)
        {
            findings.Add(Finding.Fail("config", $"{configPath} does not load: {e.Errors[0]}", $"hookrelay --config {configPath} config check"));
            return findings;
        }
        findings.AddRange(Binaries());
        findings.AddRange(HookLinks(config, hooksRoot));
        findings.AddRange(Outbox(config));
        findings.Add(Daemon(config));
        foreach (var sink in config.Sinks.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            findings.Add(await SinkProbe.RunAsync(sink, cancellationToken).ConfigureAwait(false));
        }
        findings.AddRange(ClockCheck.Run(config.StateDir));
        return findings;
    }

    private static IEnumerable<Finding> Binaries()
    {
        var hook = Path.GetFullPath(Hook.Binaries.Hook);
        yield return Access.CanExecute(hook)
            ? Finding.Ok("binaries", $"{hook} is executable ({VersionCommand.Version}, commit {VersionCommand.Commit})")
            : Finding.Fail("binaries", $"{hook}, what the hook links point to, is not executable", $"chmod 0755 {hook}");
    }

    private static IEnumerable<Finding> HookLinks(HookRelayConfig config, string hooksRoot)
    {
        if (!Directory.Exists(hooksRoot))
        {
            yield return Finding.Fail("hooks", $"{hooksRoot} does not exist: is Ganeti installed on this node?", "apt-get install ganeti, then hookrelay install");
            yield break;
        }
        var state = HookInstaller.Inspect(config, hooksRoot);
        var inPlace = state.InPlace;
        var conflicts = state.NotInPlace.Where(c => c.Step == InstallStep.Conflict).ToList();
        var pending = state.NotInPlace.Where(c => c.Step != InstallStep.Conflict).ToList();
        if (conflicts.Count > 0)
        {
            yield return Finding.Fail("hooks", $"{Counted.Of(conflicts.Count, "file", "files")} HookRelay did not create stand where its links go: {string.Join("; ", conflicts.Select(c => c.Path))}",
                "move them aside, then hookrelay install");
        }
        yield return pending.Count == 0
            ? Finding.Ok("hooks", $"{Counted.Of(inPlace, "link", "links")} in place under {hooksRoot}, each to an executable")
            : Finding.Fail("hooks", $"{Counted.Of(pending.Count, "link", "links")} not as the configuration needs ({string.Join("; ", pending.Take(3).Select(c => $"{InstallCommand.StepName(c.Step)} {c.Path}"))}"
                + (pending.Count > 3 ? "; ..." : "") + ")", "hookrelay install");
    }

    private static IEnumerable<Finding> Outbox(HookRelayConfig config)
    {
        if (!Directory.Exists(config.StateDir))
        {
            yield return Finding.Warn("outbox", $"{config.StateDir} does not exist yet (the first hook run makes it)", $"install -d -m 0750 {config.StateDir}");
            yield break;
        }
        if (!Access.CanWrite(config.StateDir))
        {
            yield return Finding.Fail("outbox", $"{config.StateDir} is not writable by this user: hooks cannot queue events", $"chown root: {config.StateDir}; chmod 0750 {config.StateDir}");
            yield break;
        }
        var admin = OutboxCli.OpenAdmin(config, TextWriter.Null, out var connection);
        using (connection)
        {
            if (admin is null)
            {
                yield return Finding.Ok("outbox", $"{config.StateDir} is writable; no outbox yet");
                yield break;
            }
            var size = admin.SizeBytes;
            var share = (double)size / config.Delivery.MaxDbBytes;
            var status = admin.Status();
            var pending = status.Sum(s => s.Pending);
            var dead = status.Sum(s => s.Dead);
            var sizeText = $"{size / 1024.0 / 1024.0:0.#} MiB of {config.Delivery.MaxDbBytes / 1024 / 1024} MiB";
            yield return share > 0.8
                ? Finding.Warn("outbox", $"{sizeText}: nearly full (hooks refuse events beyond it)", "hookrelay status; deliver or drop what waits (hookrelay dlq drop --all)")
                : Finding.Ok("outbox", $"writable, {sizeText}, {pending} pending");
            if (dead > 0)
            {
                yield return Finding.Warn("outbox", $"{Counted.Of(dead, "dead letter", "dead letters")} waiting", "hookrelay dlq list, then hookrelay dlq replay --all");
            }
        }
    }

    private static Finding Daemon(HookRelayConfig config) => ServeLock.Holder(config.StateDir) switch
    {
        { } holder when holder.StartsWith("serve ", StringComparison.Ordinal) => Finding.Ok("daemon", $"hookrelay serve is running (pid {holder["serve ".Length..]})"),
        { } holder => Finding.Ok("daemon", $"a drainer delivers now ({holder})"),
        null when config.Delivery.WithoutDaemon == WithoutDaemon.Spawn =>
            Finding.Warn("daemon", "no hookrelay serve is running: each hook that queues an event starts a one-shot drainer", "systemctl enable --now hookrelay"),
        null => Finding.Fail("daemon", "no hookrelay serve is running and delivery.without_daemon is keep: events wait in the outbox", "systemctl enable --now hookrelay"),
    };
}
