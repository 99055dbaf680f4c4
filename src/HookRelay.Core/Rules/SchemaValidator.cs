using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace HookRelay.Rules;

/// <summary>
/// Validates a YAML document against the published JSON Schema (schema/hookrelay.schema.json),
/// reporting each problem at the YAML node's line and column. It implements the subset of
/// JSON Schema 2020-12 that schema uses; <see cref="SupportedKeywords"/> lists it, and a test
/// keeps the schema inside that subset.
/// </summary>
internal sealed class SchemaValidator
{
    public static readonly IReadOnlySet<string> SupportedKeywords = new HashSet<string>(StringComparer.Ordinal)
    {
        "$schema", "$id", "$defs", "$ref", "title", "description", "default",
        "type", "properties", "additionalProperties", "required", "propertyNames",
        "enum", "const", "pattern", "minLength", "items", "minItems", "minimum",
        "allOf", "if", "then",
        // Annotations, not checks: which sink settings are templates (SinkTemplateKeys); values a later version takes.
        SinkTemplateKeys.Annotation, PlannedAnnotation,
    };

    /// <summary>On an enum: values planned for a later version, so refusing one says so (the sink types on the way).</summary>
    public const string PlannedAnnotation = "x-planned";

    private readonly JsonElement _root;
    private readonly string _file;
    private readonly List<ConfigError> _errors;

    private SchemaValidator(JsonElement root, string file, List<ConfigError> errors)
    {
        _root = root;
        _file = file;
        _errors = errors;
    }

    public static void Validate(JsonElement schema, YamlNode document, string file, List<ConfigError> errors) =>
        new SchemaValidator(schema, file, errors).Check(schema, document, "");

    private void Check(JsonElement schema, YamlNode node, string path)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(Resolve(reference.GetString()!), node, path);
        }
        if (schema.TryGetProperty("type", out var type) && !MatchesType(type.GetString()!, node))
        {
            Error(node, $"{Where(path)} must be {Article(type.GetString()!)}, found {YamlScalars.Describe(node)}"
                + (type.GetString() == "string" && node is YamlScalarNode ? " (quote it to make it a string)" : ""));
            return;
        }
        CheckScalar(schema, node, path);
        if (node is YamlMappingNode map)
        {
            CheckMapping(schema, map, path);
        }
        if (node is YamlSequenceNode seq)
        {
            CheckSequence(schema, seq, path);
        }
        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var sub in allOf.EnumerateArray())
            {
                Check(sub, node, path);
            }
        }
        if (schema.TryGetProperty("if", out var condition) && schema.TryGetProperty("then", out var then)
            && Passes(condition, node))
        {
            Check(then, node, path);
        }
    }

    private void CheckScalar(JsonElement schema, YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            return;
        }
        var value = scalar.Value ?? "";
        if (schema.TryGetProperty("enum", out var options)
            && !options.EnumerateArray().Any(o => o.ValueKind == JsonValueKind.String && o.GetString() == value))
        {
            var allowed = string.Join(", ", options.EnumerateArray().Select(o => o.ToString()));
            // A value a later version will take (a sink type on the way) is named as such, not as a typo.
            Error(node, schema.TryGetProperty(PlannedAnnotation, out var planned) && planned.EnumerateArray().Any(p => p.GetString() == value)
                ? $"{Where(path)} is '{value}', which is planned but not in this version; this version takes: {allowed}"
                : $"{Where(path)} is '{value}', expected one of: {allowed}");
        }
        if (schema.TryGetProperty("const", out var constant) && constant.ToString() != value)
        {
            Error(node, $"{Where(path)} is '{value}', expected '{constant}'");
        }
        if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(value, pattern.GetString()!))
        {
            var hint = schema.TryGetProperty("description", out var d) ? $" ({d.GetString()})" : "";
            // The value is not echoed: URLs and tokens are often secrets, and line:column points at it.
            Error(node, $"{Where(path)} does not match {pattern.GetString()}{hint}");
        }
        if (schema.TryGetProperty("minLength", out var minLength) && value.Length < minLength.GetInt32())
        {
            Error(node, $"{Where(path)} must not be empty");
        }
        if (schema.TryGetProperty("minimum", out var minimum) && YamlScalars.Integer(scalar) is { } n && n < minimum.GetInt64())
        {
            Error(node, $"{Where(path)} is {n}, must be at least {minimum.GetInt64()}");
        }
    }

    private void CheckMapping(JsonElement schema, YamlMappingNode map, string path)
    {
        schema.TryGetProperty("properties", out var properties);
        var hasProperties = properties.ValueKind == JsonValueKind.Object;
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (schema.TryGetProperty("propertyNames", out var names) && names.TryGetProperty("pattern", out var namePattern)
                && !Regex.IsMatch(key, namePattern.GetString()!))
            {
                Error(keyNode, $"name '{key}' in {Where(path)} does not match {namePattern.GetString()}");
            }
            if (hasProperties && properties.TryGetProperty(key, out var propertySchema))
            {
                Check(propertySchema, valueNode, childPath);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional))
            {
                if (additional.ValueKind == JsonValueKind.False)
                {
                    var known = hasProperties ? properties.EnumerateObject().Select(p => p.Name).ToList() : [];
                    var expected = known.Count > 0 ? string.Join(", ", known) : "none";
                    Error(keyNode, $"unknown key '{key}' in {Where(path)}{NearestName.DidYouMean(key, known)} (expected one of: {expected})");
                }
                else
                {
                    Check(additional, valueNode, childPath);
                }
            }
        }
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!map.Children.ContainsKey(new YamlScalarNode(name)))
                {
                    Error(map, $"{Where(path)} is missing the required key '{name}'");
                }
            }
        }
    }

    private void CheckSequence(JsonElement schema, YamlSequenceNode seq, string path)
    {
        if (schema.TryGetProperty("minItems", out var minItems) && seq.Children.Count < minItems.GetInt32())
        {
            Error(seq, $"{Where(path)} needs at least {minItems.GetInt32()} item(s)");
        }
        if (schema.TryGetProperty("items", out var items))
        {
            for (var i = 0; i < seq.Children.Count; i++)
            {
                Check(items, seq.Children[i], $"{path}[{i}]");
            }
        }
    }

    /// <summary>Evaluates an "if" schema silently: does the node satisfy it?</summary>
    private bool Passes(JsonElement schema, YamlNode node)
    {
        var probe = new List<ConfigError>();
        new SchemaValidator(_root, _file, probe).Check(schema, node, "");
        return probe.Count == 0;
    }

    private static bool MatchesType(string type, YamlNode node) => type switch
    {
        "object" => node is YamlMappingNode,
        "array" => node is YamlSequenceNode,
        "string" => node is YamlScalarNode s && (!YamlScalars.IsPlain(s)
            || (!YamlScalars.IsNull(s) && YamlScalars.Bool(s) is null && !YamlScalars.IsNumber(s))),
        "boolean" => node is YamlScalarNode b && YamlScalars.Bool(b) is not null,
        "integer" => node is YamlScalarNode i && YamlScalars.Integer(i) is not null,
        "number" => node is YamlScalarNode n && YamlScalars.IsNumber(n),
        _ => true,
    };

    private JsonElement Resolve(string reference)
    {
        const string defs = "#/$defs/";
        if (!reference.StartsWith(defs, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"schema $ref '{reference}' is not supported");
        }
        return _root.GetProperty("$defs").GetProperty(reference[defs.Length..]);
    }

    private static string Where(string path) => path.Length == 0 ? "the configuration" : $"'{path}'";

    private static string Article(string type) => type switch
    {
        "object" => "a mapping",
        "array" => "a list",
        "integer" => "an integer",
        _ => "a " + type,
    };

    private void Error(YamlNode node, string message) =>
        _errors.Add(new ConfigError(_file, node.Start.Line, node.Start.Column, message));
}
