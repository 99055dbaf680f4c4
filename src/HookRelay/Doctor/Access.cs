using System.Runtime.InteropServices;

namespace HookRelay.Doctor;

/// <summary>access(2): whether this process may write or execute a path, as the kernel decides (mode bits, ACLs, read-only mounts).</summary>
public static partial class Access
{
    private const int ExecuteOk = 1;
    private const int WriteOk = 2;

    public static bool CanWrite(string path) => access(path, WriteOk) == 0;

    public static bool CanExecute(string path) => File.Exists(path) && access(path, ExecuteOk) == 0;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int access(string path, int mode);
}
