using HookRelay.Hook;

namespace HookRelay.Rules;

/// <summary>
/// How the lean hook binary, which cannot read YAML (<see cref="ConfigText"/>), gets a file it has
/// no snapshot of compiled: it runs the full hookrelay beside it (`hookrelay
/// --compile-configuration PATH`), which loads the file as a hook of its own would, keeps the
/// snapshot (or the failure) beside the file, and writes it to its stdout, so that the run goes
/// on with it even where nothing can be written. This happens once per change of the file.
/// </summary>
public static class ConfigCompiler
{
    public const string Flag = "--compile-configuration";

    private const int Compiled = 0;
    private const int Broken = 1;

    // A large file compiles in well under a second; this only bounds a child that hangs.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>
    /// The snapshot <paramref name="cli"/> compiled of the file as it is. Throws
    /// <see cref="ConfigException"/> with the file's errors when it does not load, or with why it
    /// could not be compiled.
    /// </summary>
    public static ConfigSnapshot Ask(string path, string? cli)
    {
        if (cli is null)
        {
            throw Unusable(path, $"it changed since it was last compiled, and {Binaries.CliName}, which compiles it for {Binaries.HookName}, is not installed beside it");
        }
        PosixSpawn.Captured child;
        try
        {
            child = PosixSpawn.RunCaptured(cli, [Flag, Path.GetFullPath(path)], PosixSpawn.Environment(_ => false), Limit, MaxBytes);
        }
        catch (IOException e)
        {
            throw Unusable(path, $"cannot run {cli} to compile it: {e.Message}");
        }
        if (!child.Finished)
        {
            throw Unusable(path, $"{cli} did not compile it within {Limit.TotalSeconds:0} s");
        }
        // A raw wait status: the exit code in its second byte when the child exited.
        var exit = (child.ExitStatus & 0x7f) == 0 ? child.ExitStatus >> 8 : -1;
        if (exit == Broken && ConfigFailure.FromBytes(child.Stdout, path) is { } failure)
        {
            throw failure.Exception;
        }
        if (exit != Compiled)
        {
            throw Unusable(path, $"{cli} could not compile it ({(exit < 0 ? $"killed by signal {child.ExitStatus & 0x7f}" : $"exit status {exit}")})");
        }
        try
        {
            var snapshot = ConfigSnapshot.FromBytes(child.Stdout, path);
            return snapshot.IsCurrent
                ? snapshot
                : throw Unusable(path, $"{cli} is not the build of {Binaries.HookName} beside it: install both from one package");
        }
        catch (InvalidDataException e)
        {
            throw Unusable(path, $"{cli} wrote no usable snapshot: {e.Message}");
        }
    }

    /// <summary>hookrelay's side: compiles the file as a hook would, and writes the snapshot, or the failure, to <paramref name="output"/>.</summary>
    public static int Answer(string path, Stream output)
    {
        try
        {
            output.Write(LastGoodConfig.Current(path).ToBytes());
            return Compiled;
        }
        catch (ConfigException e)
        {
            LastGoodConfig.RecutLastGood(path);
            output.Write(new ConfigFailure(null, 0, e.Errors).ToBytes());
            return Broken;
        }
    }

    private static ConfigException Unusable(string path, string why) => new([new ConfigError(path, 0, 0, $"cannot use the configuration: {why}")]);
}
