using System.Text;
using HookRelay.Rules;
using YamlDotNet.RepresentationModel;

namespace HookRelay.Tests.Rules;

/// <summary>A slice's nodes come back as they were cut: the same tree, and each scalar plain or quoted as written, which decides whether it is a boolean, a number or null.</summary>
public class SliceTreeTests
{
    private static YamlNode Yaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents[0].RootNode;
    }

    [Fact]
    public void A_tree_comes_back_with_every_node_and_each_scalars_style()
    {
        var root = Yaml("""
            sinks: { s: { type: file, path: "/tmp/x y.jsonl", fsync: false } }
            routes:
              - { name: r, to: [s], matchers: ['hook="instance-add"'] }
            quoted_true: "true"
            plain_true: true
            empty:
            tilde: ~
            unicode: "Grüße ✓"
            """);

        var back = SliceTree.Read(SliceTree.Write(root));

        Assert.Equal(Describe(root), Describe(back));
        var mapping = (YamlMappingNode)back;
        Assert.Null(YamlScalars.Bool((YamlScalarNode)mapping["quoted_true"]));
        Assert.True(YamlScalars.Bool((YamlScalarNode)mapping["plain_true"]));
        Assert.True(YamlScalars.IsNull(mapping["empty"]));
        Assert.True(YamlScalars.IsNull(mapping["tilde"]));
        Assert.Equal("Grüße ✓", ((YamlScalarNode)mapping["unicode"]).Value);
    }

    [Fact]
    public void Bytes_after_the_root_or_an_unknown_tag_are_damage_not_a_configuration()
    {
        var bytes = SliceTree.Write(Yaml("a: b"));

        Assert.Throws<InvalidDataException>(() => SliceTree.Read([.. bytes, (byte)'P']));
        Assert.Throws<InvalidDataException>(() => SliceTree.Read([(byte)'X', .. bytes]));
    }

    /// <summary>Every node with its kind, and each scalar with its text and whether it is plain.</summary>
    private static string Describe(YamlNode node)
    {
        var text = new StringBuilder();
        void Walk(YamlNode n)
        {
            switch (n)
            {
                case YamlMappingNode m:
                    text.Append('{');
                    foreach (var (k, v) in m.Children)
                    {
                        Walk(k);
                        text.Append(':');
                        Walk(v);
                        text.Append(',');
                    }
                    text.Append('}');
                    break;
                case YamlSequenceNode s:
                    text.Append('[');
                    foreach (var item in s.Children)
                    {
                        Walk(item);
                        text.Append(',');
                    }
                    text.Append(']');
                    break;
                case YamlScalarNode scalar:
                    text.Append(YamlScalars.IsPlain(scalar) ? 'p' : 'q').Append('<').Append(scalar.Value ?? "(null)").Append('>');
                    break;
            }
        }
        Walk(node);
        return text.ToString();
    }
}
