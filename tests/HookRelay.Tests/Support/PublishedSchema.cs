using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HookRelay.Tests.Support;

/// <summary>schema/hookrelay.schema.json, whose generated definitions the declaration tests hold equal to the code (UPDATE_GOLDEN=1 rewrites them).</summary>
public static class PublishedSchema
{
    private static string FilePath => Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "schema", "hookrelay.schema.json");

    public static JsonNode Read() => JsonNode.Parse(File.ReadAllText(FilePath))!;

    /// <summary>Replaces one of $defs with what the code generates, as the file is written by hand: indented, readable characters.</summary>
    public static void Rewrite(string definition, JsonNode generated)
    {
        var published = Read();
        published["$defs"]![definition] = generated;
        File.WriteAllText(FilePath, published.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n");
    }
}
