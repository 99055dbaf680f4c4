using HookRelay.Gates;
using HookRelay.Hook;
using HookRelay.Rules;

// Ganeti runs hooks with no arguments and GANETI_* in the environment. Nothing of the CLI is
// built on that path: it is the one that must be fast.
if (args.Length == 0 && Environment.GetEnvironmentVariable("GANETI_HOOKS_PATH") is not null)
{
    return HookRunner.Run(HttpPolicies.Ask);
}
// The lean hook asks http gate policies through this binary (it has the HTTP stack).
if (args is [PolicyAsker.Flag, ..])
{
    return PolicyAskerChild.Run(args[1..]);
}
// The lean hook, which reads no YAML, has this binary compile a changed configuration.
if (args is [ConfigCompiler.Flag, var configPath])
{
    using var stdout = Console.OpenStandardOutput();
    return ConfigCompiler.Answer(configPath, stdout);
}
return HookRelay.Cli.CliApp.Run(args.Length == 0 ? ["--help"] : args);
