using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HookRelay.Rules;

/// <summary>YAML 1.2 core-schema reading of scalars: only plain (unquoted) scalars can be booleans, numbers or null.</summary>
internal static class YamlScalars
{
    public static bool IsPlain(YamlScalarNode node) => node.Style is ScalarStyle.Plain or ScalarStyle.Any;

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode s && IsPlain(s) && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public static bool? Bool(YamlScalarNode node) =>
        !IsPlain(node) ? null : node.Value switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ => null,
        };

    public static long? Integer(YamlScalarNode node) =>
        IsPlain(node) && long.TryParse(node.Value, System.Globalization.NumberStyles.AllowLeadingSign,
            System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    public static bool IsNumber(YamlScalarNode node) =>
        IsPlain(node) && double.TryParse(node.Value, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out _);

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s when IsNull(s) => "nothing (null)",
        YamlScalarNode s when Bool(s) is not null => $"the boolean {s.Value}",
        YamlScalarNode s when IsNumber(s) => $"the number {s.Value}",
        YamlScalarNode => "a string",
        _ => "an alias",
    };
}
