using HookRelay.Cli;
using HookRelay.Hook;

// Ganeti runs hooks with no arguments and GANETI_* in the environment. Nothing of the CLI is
// built on that path: it is the one that must be fast.
if (args.Length == 0 && Environment.GetEnvironmentVariable("GANETI_HOOKS_PATH") is not null)
{
    return HookRunner.Run();
}
return CliApp.Run(args.Length == 0 ? ["--help"] : args);
