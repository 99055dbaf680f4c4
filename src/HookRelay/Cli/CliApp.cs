using System.CommandLine;

namespace HookRelay.Cli;

/// <summary>Every subcommand. Hook mode never gets here: it is chosen in Program before any of this is built.</summary>
public static class CliApp
{
    public static int Run(string[] args)
    {
        var parsed = BuildRoot().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                Console.Error.WriteLine($"hookrelay: {error.Message}");
            }
            Console.Error.WriteLine("hookrelay: see 'hookrelay --help'");
            return ExitCodes.Usage;
        }
        return parsed.Invoke();
    }

    /// <summary>The whole command line: what Run parses, and what the README's command table is checked against.</summary>
    public static RootCommand BuildRoot()
    {
        var configOption = ConfigOption.Create();
        var root = new RootCommand(
            "HookRelay: Ganeti hooks as typed events, routed by one YAML file.\n"
            + "Run with no arguments by Ganeti (GANETI_HOOKS_PATH set) it is the hook itself.")
        {
            configOption,
        };
        root.Subcommands.Add(ConfigCheckCommand.Create(configOption));
        root.Subcommands.Add(SimulateCommand.Create(configOption));
        foreach (var command in InstallCommand.Create(configOption))
        {
            root.Subcommands.Add(command);
        }
        root.Subcommands.Add(ServeCommand.Create(configOption));
        root.Subcommands.Add(StatusCommand.Create(configOption));
        root.Subcommands.Add(EventsCommand.Create(configOption));
        root.Subcommands.Add(DlqCommand.Create(configOption));
        root.Subcommands.Add(ReplayCommand.Create(configOption));
        root.Subcommands.Add(TestSendCommand.Create(configOption));
        root.Subcommands.Add(PinCommand.Create(configOption));
        root.Subcommands.Add(ShapeCommand.Create(configOption));
        root.Subcommands.Add(DnsCommand.Create(configOption));
        root.Subcommands.Add(NetBoxCommand.Create(configOption));
        root.Subcommands.Add(ClusterCommand.Create(configOption));
        root.Subcommands.Add(DoctorCommand.Create(configOption));
        root.Subcommands.Add(VersionCommand.Create(configOption));
        return root;
    }
}
