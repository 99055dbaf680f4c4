using System.Globalization;
using System.Text;
using HookRelay.Posix;

namespace HookRelay.Logging;

/// <summary>
/// Writes one RFC 3164 line to the local syslog socket (/dev/log, which journald also serves).
/// Best effort: a node without a syslog daemon, or with a stalled one, must not make the hook fail or wait.
/// </summary>
public static class Syslog
{
    public enum Severity
    {
        Error = 3,
        Warning = 4,
        Info = 6,
    }

    private const int FacilityDaemon = 3;

    public static string SocketPath { get; set; } = "/dev/log";

    public static void Write(Severity severity, string message)
    {
        var priority = (FacilityDaemon * 8) + (int)severity;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"<{priority}>{DateTime.Now:MMM dd HH:mm:ss} hookrelay[{Environment.ProcessId}]: {message}");
        // No syslog daemon, or one too far behind to take it now: the line is lost, the run goes on.
        _ = UnixDatagram.Send(SocketPath, Encoding.UTF8.GetBytes(line));
    }
}
