using System.Text;

namespace HookRelay.Logging;

/// <summary>
/// Output of the hook: Ganeti captures stdout and stderr together into its job log, fails a hook
/// whose output is not UTF-8, and shows a pre hook's output to the operator. So every message is
/// one line, control characters removed, and also goes to syslog.
/// </summary>
public static class HookLog
{
    public static TextWriter Out { get; set; } = Console.Out;
    public static TextWriter Err { get; set; } = Console.Error;

    /// <summary>The line the operator sees (a denial, a failed node action): stdout.</summary>
    public static void Verdict(string message)
    {
        var line = OneLine(message);
        Out.WriteLine("hookrelay: " + line);
        Out.Flush();
        Syslog.Write(Syslog.Severity.Warning, line);
    }

    public static void Error(string message) => Write(Syslog.Severity.Error, message);

    public static void Warning(string message) => Write(Syslog.Severity.Warning, message);

    public static void Info(string message) => Write(Syslog.Severity.Info, message);

    private static void Write(Syslog.Severity severity, string message)
    {
        var line = OneLine(message);
        Err.WriteLine("hookrelay: " + line);
        Err.Flush();
        Syslog.Write(severity, line);
    }

    /// <summary>Collapses a message to one printable line of bounded length.</summary>
    public static string OneLine(string message)
    {
        const int max = 1000;
        var sb = new StringBuilder(Math.Min(message.Length, max));
        foreach (var rune in message.EnumerateRunes())
        {
            if (sb.Length >= max)
            {
                sb.Append('…');
                break;
            }
            sb.Append(Rune.IsControl(rune) ? " " : rune.ToString());
        }
        return sb.ToString();
    }
}
