using HookRelay.Gates;
using HookRelay.Hook;

// hookrelay-hook: what hooks directories link to. Ganeti runs hooks with no arguments and
// GANETI_* in the environment; anything else is a command, handed to hookrelay beside it.
Binaries.DeclareHookOnly();
return args.Length == 0 && Environment.GetEnvironmentVariable("GANETI_HOOKS_PATH") is not null
    ? HookRunner.Run(PolicyAsker.AskInChild)
    : Binaries.ForwardToCli(args);
