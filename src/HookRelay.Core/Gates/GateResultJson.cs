using System.Text.Json;
using HookRelay.Events;

namespace HookRelay.Gates;

/// <summary>Gate results as JSON, written and read without reflection: in stored hook records and from the policy asker.</summary>
public static class GateResultJson
{
    public static void Write(Utf8JsonWriter writer, IEnumerable<GateResult> gates)
    {
        writer.WriteStartArray();
        foreach (var gate in gates)
        {
            writer.WriteStartObject();
            writer.WriteString("name", gate.Name);
            writer.WriteString("verdict", gate.Verdict);
            writer.WriteBoolean("allowed", gate.Allowed);
            writer.WriteString("reason", gate.Reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>Reads the array the reader stands on (its StartArray token).</summary>
    public static List<GateResult> Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected a list of gate results, found {reader.TokenType}");
        }
        var gates = new List<GateResult>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            gates.Add(ReadOne(ref reader));
        }
        return gates;
    }

    private static GateResult ReadOne(ref Utf8JsonReader reader)
    {
        string? name = null, verdict = null, reason = null;
        bool? allowed = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.GetString();
            reader.Read();
            switch (field)
            {
                case "name":
                    name = reader.GetString();
                    break;
                case "verdict":
                    verdict = reader.GetString();
                    break;
                case "reason":
                    reason = reader.GetString();
                    break;
                case "allowed":
                    allowed = reader.GetBoolean();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        // Records written before "allowed" existed only knew allow and deny.
        return new GateResult(name ?? "", verdict ?? "", allowed ?? verdict != "deny", reason ?? "");
    }
}
