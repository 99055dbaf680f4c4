using System.Globalization;
using HookRelay.Rules;
using HookRelay.Sinks.Declaration;

namespace HookRelay.Sinks;

/// <summary>
/// A sink's settings as the configuration wrote them (flattened: "auth.bearer", "headers.X-A"),
/// read by type. Secret references are resolved only by <see cref="Secret"/>, at the moment a sink
/// is built, so they never sit resolved in a model that might be printed. A gate's http policy
/// reads its settings the same way (Subject then names the gate). With its sink type given, a key
/// the type does not declare cannot be read: code and schema cannot drift apart unnoticed.
/// </summary>
public sealed class SinkSettings(SinkConfig config, IDeclaredKeys? type = null, string? subject = null)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public string SinkName => config.Name;

    /// <summary>What messages call the owner of these settings: "sink 'chat'" or "gate 'policy', http".</summary>
    public string Subject { get; } = subject ?? $"sink '{config.Name}'";

    /// <summary>Every key read so far, as asked for ("backoff.max", "to[0]", "headers").</summary>
    public IReadOnlySet<string> KeysRead => _read;

    /// <summary>The key read last: when building a sink fails, the one it was looking at (config check points there).</summary>
    public string? LastKeyRead { get; private set; }

    /// <summary>Whether this sink's type (or action) takes <paramref name="key"/> (any key, for settings without a type).</summary>
    public bool Declares(string key) => type is null || type.KeyOf(key) is not null;

    public string? Text(string key)
    {
        Read(key);
        return config.Settings.GetValueOrDefault(key);
    }

    public string Required(string key) => Text(key) ?? throw Missing(key);

    public string? Secret(string key) => Text(key) is { } raw ? SecretReferences.Resolve(raw) : null;

    public string RequiredSecret(string key) => Secret(key) ?? throw Missing(key);

    public bool Flag(string key, bool fallback) => Text(key) is { } raw ? raw is "true" or "True" or "TRUE" : fallback;

    public int WholeNumber(string key, int fallback) =>
        Text(key) is { } raw && int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    public double? Number(string key) =>
        Text(key) is { } raw && double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    public TimeSpan Duration(string key, TimeSpan fallback) =>
        Text(key) is { } raw && Durations.TryParse(raw, out var value) ? value : fallback;

    /// <summary>A size such as 512KB, 100MB, 1GB (powers of 1024, as logrotate reads them) or plain bytes; null when absent.</summary>
    public long? ByteSize(string key)
    {
        if (Text(key) is not { } raw)
        {
            return null;
        }
        var (digits, unit) = raw.EndsWith("GB", StringComparison.Ordinal) ? (raw[..^2], 1L << 30)
            : raw.EndsWith("MB", StringComparison.Ordinal) ? (raw[..^2], 1L << 20)
            : raw.EndsWith("KB", StringComparison.Ordinal) ? (raw[..^2], 1L << 10)
            : (raw, 1L);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n * unit
            : throw new InvalidOperationException($"{Subject}: '{key}' is '{raw}', expected a size such as 512KB, 100MB or 1GB");
    }

    /// <summary>A list as the configuration wrote it (flattened to "key[0]", "key[1]" ...), in order; empty when absent.</summary>
    public IReadOnlyList<string> List(string key)
    {
        var items = new List<string>();
        while (Text($"{key}[{items.Count.ToString(CultureInfo.InvariantCulture)}]") is { } item)
        {
            items.Add(item);
        }
        return items;
    }

    /// <summary>A list of whole numbers (the schema checked each is one); empty when absent.</summary>
    public IReadOnlyList<int> WholeNumbers(string key) => [.. List(key).Select(item => int.Parse(item, NumberStyles.Integer, CultureInfo.InvariantCulture))];

    /// <summary>The entries under one key, e.g. every header under "headers", secrets resolved.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SecretMap(string key)
    {
        Read(key);
        var prefix = key + ".";
        return config.Settings
            .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => KeyValuePair.Create(kv.Key[prefix.Length..], SecretReferences.Resolve(kv.Value)))
            .ToList();
    }

    private InvalidOperationException Missing(string key) => new($"{Subject} has no '{key}'");

    private void Read(string key)
    {
        if (!Declares(key))
        {
            throw new InvalidOperationException($"{Subject}: this version reads '{key}', which {type!.Kind} '{type.Name}' does not declare (a bug: please report it)");
        }
        _read.Add(key);
        LastKeyRead = key;
    }
}
