using System.Text.Json;
using HookRelay.Rules;

namespace HookRelay.Tests.Rules;

/// <summary>The published schema is what config check enforces, so it must stay inside the subset the validator implements.</summary>
public class SchemaTests
{
    private static string RepoFile(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "..", "..", "..", "..", .. parts]);

    [Fact]
    public void Published_schema_is_the_embedded_one()
    {
        using var published = JsonDocument.Parse(File.ReadAllText(RepoFile("schema", "hookrelay.schema.json")));
        Assert.Equal(published.RootElement.GetRawText(), ConfigLoader.Schema.GetRawText());
    }

    [Fact]
    public void Schema_uses_only_keywords_the_validator_implements()
    {
        var unsupported = new List<string>();
        Walk(ConfigLoader.Schema, "#", unsupported);
        Assert.Empty(unsupported);
    }

    [Fact]
    public void A_value_planned_for_a_later_version_is_named_as_such_not_as_a_typo()
    {
        using var schema = JsonDocument.Parse("""{"type": "object", "properties": {"type": {"type": "string", "enum": ["file"], "x-planned": ["tape"]}}}""");
        var errors = new List<ConfigError>();
        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader("type: tape"));

        SchemaValidator.Validate(schema.RootElement, yaml.Documents[0].RootNode, "x.yaml", errors);

        Assert.Contains("is 'tape', which is planned but not in this version; this version takes: file", Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("examples/live-migration.yaml")]
    [InlineData("examples/ganeti-tour.yaml")]
    public void Shipped_examples_are_valid(string example)
    {
        var config = ConfigLoader.Load(RepoFile(example.Split('/')));
        Assert.NotEmpty(config.Routes);
    }

    private static void Walk(JsonElement schema, string path, List<string> unsupported)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        foreach (var property in schema.EnumerateObject())
        {
            if (!SchemaValidator.SupportedKeywords.Contains(property.Name))
            {
                unsupported.Add($"{path}/{property.Name}");
            }
            switch (property.Name)
            {
                case "properties" or "$defs":
                    foreach (var child in property.Value.EnumerateObject())
                    {
                        Walk(child.Value, $"{path}/{property.Name}/{child.Name}", unsupported);
                    }
                    break;
                case "allOf":
                    foreach (var item in property.Value.EnumerateArray())
                    {
                        Walk(item, $"{path}/allOf", unsupported);
                    }
                    break;
                case "items" or "additionalProperties" or "if" or "then" or "propertyNames":
                    Walk(property.Value, $"{path}/{property.Name}", unsupported);
                    break;
            }
        }
    }
}
