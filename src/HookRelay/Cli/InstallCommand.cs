using System.CommandLine;
using System.Text.Json;
using HookRelay.Hook;
using HookRelay.Rules;

namespace HookRelay.Cli;

/// <summary>`hookrelay install` and `hookrelay uninstall`.</summary>
public static class InstallCommand
{
    public static IEnumerable<Command> Create(Option<string> configOption)
    {
        var hooksRoot = new Option<string?>("--hooks-root")
        {
            Description = $"Ganeti's hooks directory (default {HookInstaller.DefaultHooksRoot}); one given here must exist, unless --create-root",
        };
        var createRoot = new Option<bool>("--create-root") { Description = "Create the --hooks-root directory if it does not exist" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would change, change nothing" };
        var linkName = new Option<string>("--link-name")
        {
            Description = $"Name of the link in each hooks directory (default {HookInstaller.DefaultLinkName}; Ganeti runs names of letters, digits, - and _ in lexicographic order)",
            DefaultValueFactory = _ => HookInstaller.DefaultLinkName,
        };
        var binary = new Option<string>("--binary") { Description = "The executable to link to (default: hookrelay-hook beside this one, else this one)" };
        var json = new Option<bool>("--json") { Description = "Print the changes as JSON" };
        var reload = new Option<bool>("--reload") { Description = "Then tell this node's hookrelay serve to read the configuration again (SIGHUP), as `cluster push` does" };

        var install = new Command("install", "Link hookrelay into exactly the hooks directories the configuration needs; remove its stale links")
        {
            hooksRoot, createRoot, dryRun, linkName, binary, json, reload,
        };
        install.SetAction(r =>
        {
            // A root named on the command line that is not there is more likely a typo than a new Ganeti.
            if (r.GetValue(hooksRoot) is { } given && !Directory.Exists(given) && !r.GetValue(createRoot))
            {
                Console.Error.WriteLine($"hookrelay: install: --hooks-root {given} does not exist (Ganeti's is {HookInstaller.DefaultHooksRoot}); check the path, or add --create-root");
                return ExitCodes.Failed;
            }
            var exit = Run(r.GetValue(configOption)!, r.GetValue(hooksRoot) ?? HookInstaller.DefaultHooksRoot, r.GetValue(linkName)!, r.GetValue(binary),
                r.GetValue(dryRun), r.GetValue(json), uninstall: false, out var config);
            if (exit == ExitCodes.Ok && r.GetValue(reload) && !r.GetValue(dryRun) && config is not null)
            {
                Console.Error.WriteLine($"hookrelay: {Delivery.DaemonReload.Request(config.StateDir)}");
            }
            return exit;
        });
        // Links are told from a site's own files by what they point to: uninstall needs the name install linked to.
        var linked = new Option<string>("--binary") { Description = "The executable 'install --binary' linked to, if it was not hookrelay-hook or hookrelay" };
        var uninstall = new Command("uninstall", "Remove every link hookrelay made, and the directories it created if they are empty")
        {
            hooksRoot, dryRun, linkName, linked, json,
        };
        uninstall.SetAction(r => Run(r.GetValue(configOption)!, r.GetValue(hooksRoot) ?? HookInstaller.DefaultHooksRoot, r.GetValue(linkName)!, r.GetValue(linked),
            r.GetValue(dryRun), r.GetValue(json), uninstall: true, out _));
        return [install, uninstall];
    }

    /// <param name="config">The configuration install read (null for uninstall, which needs none).</param>
    private static int Run(string configPath, string hooksRoot, string linkName, string? binary, bool dryRun, bool json, bool uninstall, out HookRelayConfig? config)
    {
        config = null;
        if (!HookInstaller.IsValidLinkName(linkName))
        {
            Console.Error.WriteLine($"hookrelay: --link-name '{linkName}': Ganeti only runs names of letters, digits, '-' and '_'");
            return ExitCodes.Usage;
        }
        var target = Path.GetFullPath(binary ?? Binaries.Hook);
        var installer = new HookInstaller(hooksRoot, target, linkName);
        IReadOnlyList<InstallChange> changes;
        if (uninstall)
        {
            changes = installer.PlanUninstall();
        }
        else
        {
            config = ConfigOption.LoadOrReport(configPath, Console.Error);
            if (config is null)
            {
                return ExitCodes.Failed;
            }
            if (configPath != HookRelayConfig.DefaultPath)
            {
                Console.Error.WriteLine($"hookrelay: note: Ganeti runs hooks with an empty environment, so the hook reads {HookRelayConfig.DefaultPath}, not {configPath}");
            }
            changes = installer.PlanInstall(HookInstaller.NeededDirectories(config));
        }
        var conflicts = changes.Any(c => c.Step == InstallStep.Conflict);
        if (!dryRun && !conflicts)
        {
            try
            {
                installer.Apply(changes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"hookrelay: {(uninstall ? "uninstall" : "install")} failed: {e.Message}");
                return ExitCodes.Failed;
            }
        }
        Report(changes, dryRun, json);
        if (conflicts)
        {
            Console.Error.WriteLine($"hookrelay: {(uninstall ? "uninstall" : "install")} refused, nothing changed: files that hookrelay did not create are in the way (see 'conflict' above)");
            return ExitCodes.Failed;
        }
        return ExitCodes.Ok;
    }

    /// <summary>What changed, or with a conflict or --dry-run what would have: never a change that was not made.</summary>
    private static void Report(IReadOnlyList<InstallChange> changes, bool dryRun, bool json)
    {
        var conflicts = changes.Count(c => c.Step == InstallStep.Conflict);
        if (json)
        {
            using var stream = Console.OpenStandardOutput();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteBoolean("dry_run", dryRun);
                writer.WriteBoolean("applied", !dryRun && conflicts == 0);
                writer.WriteStartArray("changes");
                foreach (var c in changes)
                {
                    writer.WriteStartObject();
                    writer.WriteString("step", StepName(c.Step));
                    writer.WriteString("path", c.Path);
                    if (c.Detail is not null)
                    {
                        writer.WriteString("detail", c.Detail);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
            return;
        }
        var notMade = dryRun || conflicts > 0;
        foreach (var c in changes.Where(c => c.Step != InstallStep.Unchanged))
        {
            var prefix = notMade && c.Step != InstallStep.Conflict ? "would " : "";
            Console.WriteLine($"{prefix}{StepName(c.Step)} {c.Path}{(c.Detail is null ? "" : $" ({c.Detail})")}");
        }
        var unchanged = changes.Count(c => c.Step == InstallStep.Unchanged);
        var changing = Counted.Of(changes.Count - unchanged - conflicts, "change", "changes");
        var inPlace = Counted.Of(unchanged, "link", "links");
        Console.WriteLine(conflicts > 0
            ? $"nothing changed: {Counted.Of(conflicts, "conflict", "conflicts")}; {changing} would follow once they are out of the way, {inPlace} already in place"
            : $"{changing}{(dryRun ? " (dry run: nothing changed)" : "")}, {inPlace} already in place");
    }

    public static string StepName(InstallStep step) => step switch
    {
        InstallStep.CreateDirectory => "create-dir",
        InstallStep.Link => "link",
        InstallStep.Relink => "relink",
        InstallStep.Unchanged => "unchanged",
        InstallStep.RemoveStaleLink => "remove-link",
        InstallStep.RemoveDirectory => "remove-dir",
        _ => "conflict",
    };
}
