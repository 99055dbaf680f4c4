using System.Buffers;
using System.Globalization;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Gates;

namespace HookRelay.Outbox;

/// <summary>
/// What the hook stores for an event: what Ganeti gave it (every GANETI_* variable), the node it
/// ran on, the event id and time. Nothing is derived and nothing is lost; the daemon renders the
/// CloudEvent from it when it delivers. The hook thus skips building the typed event's JSON,
/// which is most of a millisecond at every start, and what a receiver gets is always rendered
/// by the daemon's code.
/// </summary>
public sealed record HookRecord(string EventId, DateTimeOffset Time, string Node, OrdinalDictionary Variables)
{
    /// <summary>What the gates decided on this node, when they ran (pre phase).</summary>
    public IReadOnlyList<GateResult>? Gates { get; init; }

    /// <summary>When this operation's pre run started on this node (post phase, when it was seen).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    private const int FormatVersion = 1;

    public byte[] ToJsonUtf8()
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        using (var writer = new Utf8JsonWriter(buffer, Events.JsonOnlyEncoder.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", FormatVersion);
            writer.WriteString("id", EventId);
            writer.WriteNumber("time_ticks", Time.UtcTicks);
            writer.WriteString("node", Node);
            writer.WriteStartObject("vars");
            foreach (var (key, value) in Variables)
            {
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
            if (StartedAt is { } started)
            {
                writer.WriteNumber("started_ticks", started.UtcTicks);
            }
            if (Gates is { } gates)
            {
                writer.WritePropertyName("gates");
                GateResultJson.Write(writer, gates);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a stored record. Streaming: the daemon reads one per delivery.</summary>
    public static HookRecord Parse(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        string? id = null, node = null;
        long? ticks = null, startedTicks = null;
        var builder = new OrdinalDictionary.Builder(192);
        var variables = OrdinalDictionary.Empty;
        List<GateResult>? gates = null;
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "v" when reader.GetInt32() != FormatVersion:
                    throw new FormatException($"stored hook record version {reader.GetInt32()} is not one this build reads");
                case "id":
                    id = reader.GetString();
                    break;
                case "time_ticks":
                    ticks = reader.GetInt64();
                    break;
                case "started_ticks":
                    startedTicks = reader.GetInt64();
                    break;
                case "node":
                    node = reader.GetString();
                    break;
                case "vars":
                    variables = ReadVariables(ref reader, json, builder);
                    break;
                case "gates":
                    gates = GateResultJson.Read(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return new HookRecord(id ?? throw new FormatException("stored hook record without an id"),
            new DateTimeOffset(ticks ?? throw new FormatException("stored hook record without a time"), TimeSpan.Zero),
            node ?? "", variables)
        { Gates = gates, StartedAt = startedTicks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null };
    }

    /// <summary>
    /// The variables, kept with the JSON object they were read from (the event's env: the daemon
    /// copies it instead of encoding it again) and their opkey, hashed from the bytes as read.
    /// </summary>
    private static OrdinalDictionary ReadVariables(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json, OrdinalDictionary.Builder builder)
    {
        var start = (int)reader.TokenStartIndex;
        var nulls = false;
        // Until a name or value comes escaped or null: OpKey.Compute then works the key out from the strings.
        // Bytes that are not UTF-8 would be hashed as they are but read as U+FFFD: checked once for the
        // whole record, which costs a fraction of checking each name and value.
        var hashed = System.Text.Unicode.Utf8.IsValid(json.Span);
        var names = RecentNames.ForThisThread();
        using var opKey = new OpKey.Accumulator();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            hashed = hashed && HashAsRead(opKey, ref reader);
            var key = names.Next(ref reader);
            reader.Read();
            nulls |= reader.TokenType == JsonTokenType.Null;
            hashed = hashed && HashAsRead(opKey, ref reader);
            builder.Add(key, reader.TokenType == JsonTokenType.Null ? "" : Value(ref reader));
        }
        return nulls ? builder.Build() : builder.Build(json[start..(int)reader.BytesConsumed], hashed ? opKey.Finish() : null);
    }

    /// <summary>
    /// Adds the current name or value to the opkey as its UTF-8 bytes, unless they are escaped (not
    /// the string's bytes) or null (a record with a null keeps no key: its map is built without its JSON).
    /// </summary>
    private static bool HashAsRead(OpKey.Accumulator opKey, ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null || reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return false;
        }
        opKey.Add(reader.ValueSpan);
        return true;
    }

    // Of the values only the short ones repeat ("True", "kvm", "0").
    private static string Value(ref Utf8JsonReader reader) =>
        !reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.Length <= ShortValues.MaxLength
            ? ShortValues.Of(reader.ValueSpan)
            : reader.GetString()!;

    /// <summary>
    /// The variable names of the record this thread read last, in order: the daemon reads run
    /// after run of the same operation, whose records name the same variables in the same order,
    /// so a name is usually one comparison of bytes away (the name cache hashes each one).
    /// </summary>
    private sealed class RecentNames
    {
        private const int Max = 512;
        private readonly List<(byte[] Utf8, string Name)> _names = [];
        private int _at;

        [ThreadStatic]
        private static RecentNames? _current;

        public static RecentNames ForThisThread()
        {
            var names = _current ??= new RecentNames();
            names._at = 0;
            return names;
        }

        public string Next(ref Utf8JsonReader reader)
        {
            if (reader.ValueIsEscaped || reader.HasValueSequence)
            {
                return reader.GetString()!;
            }
            var utf8 = reader.ValueSpan;
            var at = _at++;
            if (at < _names.Count && utf8.SequenceEqual(_names[at].Utf8))
            {
                return _names[at].Name;
            }
            var name = NameCache.Of(utf8);
            if (at < _names.Count)
            {
                _names[at] = (utf8.ToArray(), name);
            }
            else if (at < Max)
            {
                _names.Add((utf8.ToArray(), name));
            }
            return name;
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new FormatException("stored hook record ends early");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type)
        {
            throw new FormatException($"stored hook record: expected {type}, found {reader.TokenType}");
        }
    }

    /// <summary>The CloudEvent this record stands for, as the hook would have built it.</summary>
    /// <param name="jobs">Where the daemon finds the job that ran the hook; none, no <see cref="HookEvent.Job"/>.</param>
    public CloudEvent ToCloudEvent(IJobJoin? jobs = null)
    {
        var ev = HookEventParser.Parse(Variables, Node) with
        {
            Gates = Gates,
            Timing = StartedAt is { } started ? new RunTiming(started, (long)(Time - started).TotalMilliseconds) : null,
        };
        if (jobs?.Join(EventId, ev, Time) is { } job)
        {
            ev = ev with { Job = job };
        }
        return new CloudEvent(EventId, Time, OpKey.Compute(ev.Env), ev) { Stamp = EventStamp.Current };
    }

    public static HookRecord For(HookEvent ev, string node, DateTimeOffset now) =>
        new(Guid.CreateVersion7(now).ToString(), now, node, ev.Env) { Gates = ev.Gates, StartedAt = ev.Timing?.StartedAt };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{EventId} {Time:O} {Node}");
}
