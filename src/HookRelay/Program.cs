using HookRelay.Hook;

// Ganeti runs hooks with no arguments and GANETI_* in the environment. Nothing of the CLI is
// built on that path: it is the one that must be fast.
if (args.Length == 0 && Environment.GetEnvironmentVariable("GANETI_HOOKS_PATH") is not null)
{
    return HookRunner.Run();
}
#if HOOK_ONLY
// The lean hook binary has no commands: hand them to the full hookrelay beside it.
return Binaries.ForwardToCli(args);
#else
// The lean hook asks http gate policies through this binary (it has the HTTP stack).
if (args is [HookRelay.Gates.PolicyAsker.Flag, ..])
{
    return HookRelay.Gates.PolicyAsker.RunChild(args[1..]);
}
return HookRelay.Cli.CliApp.Run(args.Length == 0 ? ["--help"] : args);
#endif
