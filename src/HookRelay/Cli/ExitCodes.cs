namespace HookRelay.Cli;

/// <summary>Exit codes of the subcommands, as documented in the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The command ran and found a problem: config errors, an install conflict, a bad env file.</summary>
    public const int Failed = 1;
    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 2;
}
