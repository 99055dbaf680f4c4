using System.Globalization;
using System.Text.Json;
using HookRelay.Outbox;
using HookRelay.Rules;

namespace HookRelay.Cli;

/// <summary>What the outbox commands share: opening it for an operator, and printing times and JSON.</summary>
public static class OutboxCli
{
    /// <summary>The outbox of this configuration, or null (with a message) when there is none yet.</summary>
    public static OutboxAdmin? OpenAdmin(HookRelayConfig config, TextWriter err, out IDisposable? connection)
    {
        connection = null;
        if (!File.Exists(OutboxDatabase.PathIn(config.StateDir)))
        {
            err.WriteLine($"hookrelay: no outbox at {OutboxDatabase.PathIn(config.StateDir)} yet: no hook has queued an event with this state_dir");
            return null;
        }
        var opened = OutboxDatabase.Open(config.StateDir, new OutboxOptions(FullSync: true, TimeSpan.FromSeconds(10), config.Delivery.MaxDbBytes));
        connection = opened;
        return new OutboxAdmin(opened);
    }

    public static string Timestamp(long? ms) =>
        ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public static string Age(long ms)
    {
        var span = TimeSpan.FromMilliseconds(Math.Max(0, ms));
        return span.TotalSeconds < 60 ? $"{span.TotalSeconds:0}s"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes}m{span.Seconds:00}s"
            : span.TotalHours < 48 ? $"{(int)span.TotalHours}h{span.Minutes:00}m"
            : $"{(int)span.TotalDays}d{span.Hours:00}h";
    }

    /// <summary>Parses --since: a duration back from now (2h, 30m, 7d) or an ISO 8601 time.</summary>
    public static long? ParseSince(string text, long nowMs)
    {
        if (Durations.TryParse(text, out var back))
        {
            return nowMs - (long)back.TotalMilliseconds;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.ToUnixTimeMilliseconds() : null;
    }

    /// <summary>One indented JSON document on stdout, ended by a newline.</summary>
    /// <summary>An array of strings under <paramref name="name"/>.</summary>
    public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }
        writer.WriteEndArray();
    }

    public static void WriteJson(Action<Utf8JsonWriter> write)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }
        stdout.WriteByte((byte)'\n');
    }

    public static void WriteTime(Utf8JsonWriter writer, string name, long? ms)
    {
        if (ms is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, Timestamp(ms));
        }
    }
}
