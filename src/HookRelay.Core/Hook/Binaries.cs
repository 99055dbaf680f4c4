using System.Runtime.InteropServices;

namespace HookRelay.Hook;

/// <summary>
/// The two executables one build installs side by side: hookrelay (every command, and a hook
/// too) and hookrelay-hook (hook mode only, smaller, so faster to start). Hooks directories link
/// to hookrelay-hook when it is there; anything a hook needs a command for runs hookrelay.
/// </summary>
public static partial class Binaries
{
    public const string CliName = "hookrelay";
    public const string HookName = "hookrelay-hook";

    private static string? Here => Environment.ProcessPath is { } self ? Path.GetDirectoryName(self) : null;

    /// <summary>True in hookrelay-hook, which says so first thing (<see cref="DeclareHookOnly"/>): it has no commands of its own.</summary>
    public static bool IsHookOnly { get; private set; }

    public static void DeclareHookOnly() => IsHookOnly = true;

    /// <summary>The full hookrelay: this process, or the one beside this lean hook binary.</summary>
    public static string? Cli => IsHookOnly
        ? Here is { } dir && File.Exists(Path.Combine(dir, CliName)) ? Path.Combine(dir, CliName) : null
        : Environment.ProcessPath;

    /// <summary>What hooks directories should link to: hookrelay-hook beside this binary when present, else this binary.</summary>
    public static string Hook => Here is { } dir && File.Exists(Path.Combine(dir, HookName))
        ? Path.Combine(dir, HookName)
        : Environment.ProcessPath ?? "/usr/bin/hookrelay";

    /// <summary>Replaces this process with the full hookrelay running the same command line.</summary>
    public static int ForwardToCli(string[] args)
    {
        if (Cli is not { } cli)
        {
            Console.Error.WriteLine($"hookrelay-hook: only the hook lives here; run the commands with '{CliName}' (not found beside {Environment.ProcessPath})");
            return 2;
        }
        var argv = new IntPtr[args.Length + 2];
        argv[0] = Marshal.StringToCoTaskMemUTF8(cli);
        for (var i = 0; i < args.Length; i++)
        {
            argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
        }
        _ = execv(argv[0], argv);
        Console.Error.WriteLine($"hookrelay-hook: cannot run {cli}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return 2;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int execv(IntPtr path, [In] IntPtr[] argv);
}
