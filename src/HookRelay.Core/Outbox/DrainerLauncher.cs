using HookRelay.Hook;

namespace HookRelay.Outbox;

/// <summary>
/// Starts `hookrelay serve --drain` fully detached from the hook (<see cref="PosixSpawn.StartDetached"/>):
/// Ganeti neither waits for it nor kills it with the hook.
/// </summary>
public static class DrainerLauncher
{
    /// <summary>Returns null on success, else why the drainer could not be started.</summary>
    public static string? Start(string binary, IReadOnlyList<string> arguments) =>
        // The drainer is not a hook: without the Ganeti variables it cannot mistake itself for one.
        PosixSpawn.StartDetached(binary, arguments, PosixSpawn.Environment(k => k.StartsWith("GANETI_", StringComparison.Ordinal)));
}
