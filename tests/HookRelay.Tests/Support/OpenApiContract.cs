using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HookRelay.Tests.Support;

/// <summary>
/// What a client may send to a server, as its OpenAPI 3.0 document says: the path (against the
/// document's path templates), the method, each query parameter (declared, of its type, one of
/// its choices) and the JSON body (against the operation's request schema: types, required and
/// read-only properties, choices, lengths, bounds, nullability, and no property the schema does
/// not name, which a server like NetBox would silently drop; a related object may be given by its
/// numeric id, as NetBox documents). A stand-in checks every request
/// it gets with it, so a test fails when HookRelay sends what the real server would refuse or ignore.
/// </summary>
public sealed class OpenApiContract
{
    private readonly JsonElement _document;
    private readonly List<(string Template, Regex Pattern)> _paths;

    public OpenApiContract(JsonElement document)
    {
        _document = document;
        _paths = [.. document.GetProperty("paths").EnumerateObject()
            .Select(p => (p.Name, new Regex("^" + Regex.Replace(Regex.Escape(p.Name), @"\\\{[a-z_]+}", "[^/]+") + "$", RegexOptions.CultureInvariant)))];
    }

    public static OpenApiContract Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return new OpenApiContract(document.RootElement.Clone());
    }

    /// <summary>The API's version as the document names it ("4.2.2 (4.2)").</summary>
    public string Version => _document.GetProperty("info").GetProperty("version").GetString()!;

    /// <summary>The path template a request path falls under ("/api/ipam/ip-addresses/{id}/"), or null.</summary>
    public string? TemplateOf(string path) => _paths.FirstOrDefault(p => p.Pattern.IsMatch(path)).Template;

    /// <summary>Every way the request breaks the contract; empty when it keeps it.</summary>
    public IReadOnlyList<string> Check(string method, string pathAndQuery, JsonElement? body)
    {
        var problems = new List<string>();
        var (path, query) = pathAndQuery.Split('?', 2) is [var p, var q] ? (p, q) : (pathAndQuery, "");
        if (TemplateOf(path) is not { } template)
        {
            return [$"{method} {path}: no such path in NetBox {Version}'s API"];
        }
        var item = _document.GetProperty("paths").GetProperty(template);
        if (!item.TryGetProperty(method.ToLowerInvariant(), out var operation))
        {
            return [$"{method} {template}: the API has no {method} there"];
        }
        var parameters = Parameters(item).Concat(Parameters(operation)).ToList();
        foreach (var (name, value) in Query(query))
        {
            if (parameters.FirstOrDefault(p => p.GetProperty("in").GetString() == "query" && p.GetProperty("name").GetString() == name) is not { ValueKind: JsonValueKind.Object } declared)
            {
                problems.Add($"{method} {template}: query parameter '{name}' is not one the API takes");
                continue;
            }
            var schema = Resolve(declared.GetProperty("schema"));
            var single = schema.TryGetProperty("type", out var type) && type.GetString() == "array" ? Resolve(schema.GetProperty("items")) : schema;
            CheckScalar(single, value, $"{method} {template}: query parameter '{name}'", problems);
        }
        foreach (var required in parameters.Where(p => p.GetProperty("in").GetString() == "path"))
        {
            var name = required.GetProperty("name").GetString()!;
            var segment = path.Split('/')[Array.IndexOf(template.Split('/'), "{" + name + "}")];
            CheckScalar(Resolve(required.GetProperty("schema")), segment, $"{method} {template}: path parameter '{name}'", problems);
        }
        var expectsBody = operation.TryGetProperty("requestBody", out var requestBody);
        if (body is { } json)
        {
            if (!expectsBody)
            {
                problems.Add($"{method} {template}: takes no body");
            }
            else
            {
                Validate(requestBody.GetProperty("content").GetProperty("application/json").GetProperty("schema"), json, "body", problems, request: true);
            }
        }
        else if (expectsBody && requestBody.TryGetProperty("required", out var needed) && needed.GetBoolean())
        {
            problems.Add($"{method} {template}: needs a JSON body");
        }
        return problems;
    }

    /// <summary>Whether <paramref name="value"/> keeps <paramref name="schema"/> (a response, say); every way it does not.</summary>
    public IReadOnlyList<string> Validate(JsonElement schema, JsonElement value, string where)
    {
        var problems = new List<string>();
        Validate(schema, value, where, problems, request: false);
        return problems;
    }

    /// <summary>The schema of an operation's answer with <paramref name="status"/>.</summary>
    public JsonElement ResponseSchema(string method, string template, int status) =>
        _document.GetProperty("paths").GetProperty(template).GetProperty(method.ToLowerInvariant()).GetProperty("responses")
            .GetProperty(status.ToString(CultureInfo.InvariantCulture)).GetProperty("content").GetProperty("application/json").GetProperty("schema");

    private static List<JsonElement> Parameters(JsonElement owner) =>
        owner.TryGetProperty("parameters", out var list) ? [.. list.EnumerateArray()] : [];

    private static IEnumerable<(string Name, string Value)> Query(string query) =>
        query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(pair => (Uri.UnescapeDataString(pair[0]), pair.Length > 1 ? Uri.UnescapeDataString(pair[1].Replace('+', ' ')) : ""));

    private JsonElement Resolve(JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            var path = reference.GetString()!.TrimStart('#', '/').Split('/');
            schema = path.Aggregate(_document, (node, part) => node.GetProperty(part));
        }
        return schema;
    }

    private static void CheckScalar(JsonElement schema, string text, string what, List<string> problems)
    {
        var type = schema.TryGetProperty("type", out var t) ? t.GetString() : "string";
        var ok = type switch
        {
            "integer" => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            "number" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            "boolean" => text is "true" or "false" or "True" or "False",
            _ => true,
        };
        if (!ok)
        {
            problems.Add($"{what} '{text}' is not {type}");
        }
        else if (schema.TryGetProperty("enum", out var choices) && !choices.EnumerateArray().Any(c => c.ToString() == text))
        {
            problems.Add($"{what} '{text}' is not one of {string.Join(", ", choices.EnumerateArray())}");
        }
    }

    private void Validate(JsonElement schema, JsonElement value, string where, List<string> problems, bool request)
    {
        if (request && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _) && IsRelatedObject(schema))
        {
            return;
        }
        schema = Resolve(schema);
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (!(schema.TryGetProperty("nullable", out var nullable) && nullable.GetBoolean()))
            {
                problems.Add($"{where}: null, and it may not be");
            }
            return;
        }
        if (schema.TryGetProperty("allOf", out var all))
        {
            foreach (var part in all.EnumerateArray())
            {
                Validate(part, value, where, problems, request);
            }
        }
        foreach (var choice in new[] { "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(choice, out var options))
            {
                var fits = options.EnumerateArray().Select(o => { var found = new List<string>(); Validate(o, value, where, found, request); return found; }).ToList();
                if (!fits.Any(f => f.Count == 0))
                {
                    problems.Add($"{where}: fits none of its {choice} ({string.Join("; ", fits.SelectMany(f => f).Distinct())})");
                }
            }
        }
        if (schema.TryGetProperty("type", out var typeElement))
        {
            var type = typeElement.GetString();
            var fitsType = type switch
            {
                "object" => value.ValueKind == JsonValueKind.Object,
                "array" => value.ValueKind == JsonValueKind.Array,
                "string" => value.ValueKind == JsonValueKind.String,
                "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
                "number" => value.ValueKind == JsonValueKind.Number,
                "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                _ => true,
            };
            if (!fitsType)
            {
                problems.Add($"{where}: {value.ValueKind.ToString().ToLowerInvariant()} {Short(value)}, not {type}");
                return;
            }
        }
        if (schema.TryGetProperty("enum", out var choices) && !choices.EnumerateArray().Any(c => JsonElement.DeepEquals(c, value)))
        {
            problems.Add($"{where}: {Short(value)} is not one of {string.Join(", ", choices.EnumerateArray().Select(c => c.GetRawText()))}");
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (schema.TryGetProperty("minLength", out var min) && text.Length < min.GetInt32())
            {
                problems.Add($"{where}: '{text}' is shorter than {min.GetInt32()}");
            }
            if (schema.TryGetProperty("maxLength", out var max) && text.Length > max.GetInt32())
            {
                problems.Add($"{where}: '{Short(value)}' is longer than {max.GetInt32()}");
            }
            if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!, RegexOptions.CultureInvariant))
            {
                problems.Add($"{where}: '{text}' does not match {pattern.GetString()}");
            }
        }
        if (value.ValueKind == JsonValueKind.Number)
        {
            var number = value.GetDouble();
            if (schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble())
            {
                problems.Add($"{where}: {number} is below {minimum.GetDouble()}");
            }
            if (schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble())
            {
                problems.Add($"{where}: {number} is above {maximum.GetDouble()}");
            }
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var element in value.EnumerateArray())
            {
                Validate(items, element, $"{where}[{index++}]", problems, request);
            }
        }
        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
        {
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(n => !value.TryGetProperty(n, out _)))
                {
                    problems.Add($"{where}.{name}: required, and missing");
                }
            }
            var open = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind != JsonValueKind.False;
            foreach (var property in value.EnumerateObject())
            {
                if (properties.TryGetProperty(property.Name, out var propertySchema))
                {
                    if (request && Resolve(propertySchema).TryGetProperty("readOnly", out var readOnly) && readOnly.GetBoolean())
                    {
                        problems.Add($"{where}.{property.Name}: read-only; the server ignores it in a request");
                    }
                    Validate(propertySchema, property.Value, $"{where}.{property.Name}", problems, request);
                }
                else if (open)
                {
                    if (additional.ValueKind == JsonValueKind.Object)
                    {
                        Validate(additional, property.Value, $"{where}.{property.Name}", problems, request);
                    }
                }
                else if (request)
                {
                    problems.Add($"{where}.{property.Name}: not in the schema (the server would drop it)");
                }
            }
        }
    }

    /// <summary>
    /// A related object in a NetBox request (a Brief…Request schema, alone or in allOf): NetBox
    /// takes it by attributes, as the document says, or by its numeric id, as NetBox's REST API
    /// documentation says and drf-spectacular's document does not express.
    /// </summary>
    private static bool IsRelatedObject(JsonElement schema)
    {
        static bool Brief(JsonElement s) => s.TryGetProperty("$ref", out var r) && r.GetString() is { } name
            && name.StartsWith("#/components/schemas/Brief", StringComparison.Ordinal) && name.EndsWith("Request", StringComparison.Ordinal);
        return Brief(schema) || (schema.TryGetProperty("allOf", out var all) && all.GetArrayLength() == 1 && Brief(all[0]));
    }

    private static string Short(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 60 ? text[..57] + "..." : text;
    }
}
