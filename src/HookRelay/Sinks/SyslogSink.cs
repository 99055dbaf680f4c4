using System.Globalization;
using System.Net.Sockets;
using System.Text;
using HookRelay.Sinks.Declaration;
using HookRelay.Sinks.Messages;

namespace HookRelay.Sinks;

/// <summary>
/// RFC 5424 syslog with structured data, so a log pipeline can index Ganeti operations by
/// field: <c>&lt;PRI&gt;1 TIME NODE hookrelay PID instance-migrate.post [hookrelay@32473 id=".." type=".."
/// hook=".." phase=".." target=".." opkey=".." cluster=".." node=".."] MSG</c>, MSG being the route's
/// text or the default sentence. To the local socket (/dev/log, which rsyslog and journald serve),
/// or to udp:// or tcp:// (RFC 6587 octet counting).
/// </summary>
public sealed class SyslogSink : ISink, IDisposable
{
    public const string Type = "syslog";

    /// <summary>32473 is IANA's enterprise number for documentation; sd_id names your own.</summary>
    public const string DefaultSdId = "hookrelay@32473";

    private const int MaxMessageBytes = 8 * 1024;

    private static readonly string[] Facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    private static readonly string[] Severities = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    public static readonly SinkType Declaration = new(Type,
    [
        SinkKey.Text("socket", "Local datagram socket (default /dev/log)."),
        SinkKey.Text("address", "A collector instead: udp://host:514 or tcp://host:601 (octet-counted framing, RFC 6587).", minLength: null)
            with { Pattern = "^(udp|tcp)://.+:[0-9]+$" },
        SinkKey.Choice("facility", "Default daemon.", Facilities),
        SinkKey.Choice("severity", "Default info.", Severities),
        SinkKey.Text("app_name", "APP-NAME (default hookrelay)."),
        SinkKey.Text("sd_id", "The structured data element's id, name@enterprise-number (default hookrelay@32473, IANA's number for documentation).", minLength: null)
            with { Pattern = "^[^ =\\]\"]+@[0-9]+$" },
    ], Create);

    private readonly RouteTexts _texts;
    private readonly SyslogTarget _target;
    private readonly int _priority;
    private readonly string _appName;
    private readonly string _sdId;

    private SyslogSink(string name, RouteTexts texts, SyslogTarget target, int priority, string appName, string sdId)
    {
        Name = name;
        _texts = texts;
        _target = target;
        _priority = priority;
        _appName = appName;
        _sdId = sdId;
    }

    public string Name { get; }

    /// <summary>TCP connections to the collector opened since the sink was built.</summary>
    public int ConnectionsOpened => _target.ConnectionsOpened;

    public void Dispose() => _target.Dispose();

    public static SyslogSink Create(SinkSettings settings, RouteTexts texts)
    {
        var facility = Array.IndexOf(Facilities, settings.Text("facility") ?? "daemon");
        var severity = Array.IndexOf(Severities, settings.Text("severity") ?? "info");
        if (facility < 0 || severity < 0)
        {
            throw new InvalidOperationException($"{settings.Subject}: unknown facility or severity (facilities: {string.Join(", ", Facilities)}; severities: {string.Join(", ", Severities)})");
        }
        var target = SyslogTarget.Parse(settings.Text("address"), settings.Text("socket"), settings.Subject);
        return new SyslogSink(settings.SinkName, texts, target, (facility * 8) + severity,
            Header(settings.Text("app_name") ?? "hookrelay", 48), settings.Text("sd_id") ?? DefaultSdId);
    }

    public async ValueTask<DeliveryResult> DeliverAsync(SinkMessage message, CancellationToken cancellationToken)
    {
        byte[] line;
        using (var view = message.View())
        {
            line = Format(message, view);
        }
        try
        {
            await _target.SendAsync(line, cancellationToken).ConfigureAwait(false);
            return DeliveryResult.Ok;
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return new DeliveryResult.Retry($"syslog at {_target}: {e.Message}");
        }
    }

    public byte[] Format(SinkMessage message, EventView view)
    {
        var header = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<{_priority}>1 ")
            .Append(view.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)).Append(' ')
            .Append(Header(view.Text("node.name") ?? Environment.MachineName, 255)).Append(' ')
            .Append(_appName).Append(' ')
            .Append(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Header($"{view.Hook}.{view.Phase}", 32)).Append(' ')
            .Append('[').Append(_sdId);
        foreach (var (name, value) in new (string, string?)[]
        {
            ("id", message.EventId), ("type", message.EventType), ("hook", view.Hook), ("phase", view.Phase), ("target", view.Target),
            ("opkey", view.Text("opkey")), ("cluster", view.Text("cluster")), ("node", view.Text("node.name")),
            ("duration_ms", view.DurationMs?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        })
        {
            if (!string.IsNullOrEmpty(value))
            {
                header.Append(' ').Append(name).Append("=\"").Append(ParamValue(value)).Append('"');
            }
        }
        header.Append("] ");
        // RFC 5424: a UTF-8 MSG starts with a byte order mark.
        var text = TextFormats.OneLine(_texts.Render(message, view, TextFormat.Plain));
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(header.ToString()));
        bytes.AddRange(Encoding.UTF8.Preamble);
        var body = Encoding.UTF8.GetBytes(text);
        bytes.AddRange(body.Length <= MaxMessageBytes ? body : Encoding.UTF8.GetBytes(TextFormats.Truncate(text, MaxMessageBytes / 4)));
        return [.. bytes];
    }

    /// <summary>SD-PARAM values escape '"', '\' and ']'; control characters become spaces so the record stays one line.</summary>
    public static string ParamValue(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in TextFormats.OneLine(value.Length > 1024 ? value[..1024] : value))
        {
            if (c is '"' or '\\' or ']')
            {
                builder.Append('\\');
            }
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>Header fields are printable US-ASCII without spaces, bounded; anything else becomes '_'.</summary>
    private static string Header(string value, int max)
    {
        var cleaned = new string([.. value.Take(max).Select(c => c is > ' ' and < '\x7F' ? c : '_')]);
        return cleaned.Length == 0 ? "-" : cleaned;
    }
}
