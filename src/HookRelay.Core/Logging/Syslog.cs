using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace HookRelay.Logging;

/// <summary>
/// Writes one RFC 3164 line to the local syslog socket (/dev/log, which journald also serves).
/// Best effort: a node without a syslog daemon must not make the hook fail.
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
        try
        {
            if (!File.Exists(SocketPath))
            {
                return;
            }
            var priority = (FacilityDaemon * 8) + (int)severity;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"<{priority}>{DateTime.Now:MMM dd HH:mm:ss} hookrelay[{Environment.ProcessId}]: {message}");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
            socket.Send(Encoding.UTF8.GetBytes(line));
        }
        catch (SocketException)
        {
        }
        catch (IOException)
        {
        }
    }
}
