using System.Buffers.Binary;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HookRelay.Rules;

/// <summary>
/// A slice's YAML nodes in a compact binary form, so a hook run rebuilds the node tree without
/// YAML's scanner and parser (most of what reading a slice as YAML text cost it). Kept of each
/// node: mappings, lists and scalars, and whether a scalar was plain, which is all the loader
/// reads (only a plain scalar is a boolean, number or null). Slices are read only by the build
/// that cut them, so the form may change with any build.
/// </summary>
/// <remarks>
/// A node is one tag byte and its content: 'M' count, then key and value nodes; 'S' count, then
/// nodes; 'P' (plain) or 'Q' (quoted) length, then the UTF-8 text; 'Z' a scalar without a value.
/// Counts and lengths are unsigned 32-bit little-endian.
/// </remarks>
internal static class SliceTree
{
    public static byte[] Write(YamlNode root)
    {
        using var bytes = new MemoryStream(4096);
        Write(bytes, root);
        return bytes.ToArray();
    }

    private static void Write(MemoryStream into, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                into.WriteByte((byte)'M');
                Count(into, mapping.Children.Count);
                foreach (var (key, value) in mapping.Children)
                {
                    Write(into, key);
                    Write(into, value);
                }
                break;
            case YamlSequenceNode sequence:
                into.WriteByte((byte)'S');
                Count(into, sequence.Children.Count);
                foreach (var item in sequence.Children)
                {
                    Write(into, item);
                }
                break;
            case YamlScalarNode { Value: null }:
                into.WriteByte((byte)'Z');
                break;
            case YamlScalarNode scalar:
                into.WriteByte(YamlScalars.IsPlain(scalar) ? (byte)'P' : (byte)'Q');
                var text = Encoding.UTF8.GetBytes(scalar.Value);
                Count(into, text.Length);
                into.Write(text);
                break;
            default:
                throw new InvalidOperationException($"a slice holds a {node.NodeType} node, which a loaded configuration never keeps");
        }
    }

    private static void Count(MemoryStream into, int count)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(four, (uint)count);
        into.Write(four);
    }

    public static YamlNode Read(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        var root = Read(bytes, ref at);
        return at == bytes.Length ? root : throw new InvalidDataException($"a slice has {bytes.Length - at} bytes after its root node");
    }

    private static YamlNode Read(ReadOnlySpan<byte> bytes, ref int at)
    {
        var tag = bytes[at++];
        switch (tag)
        {
            case (byte)'M':
                var mapping = new YamlMappingNode();
                for (var i = Count(bytes, ref at); i > 0; i--)
                {
                    var key = Read(bytes, ref at);
                    mapping.Add(key, Read(bytes, ref at));
                }
                return mapping;
            case (byte)'S':
                var sequence = new YamlSequenceNode();
                for (var i = Count(bytes, ref at); i > 0; i--)
                {
                    sequence.Add(Read(bytes, ref at));
                }
                return sequence;
            case (byte)'Z':
                return new YamlScalarNode(null);
            case (byte)'P' or (byte)'Q':
                var length = Count(bytes, ref at);
                var value = Encoding.UTF8.GetString(bytes.Slice(at, length));
                at += length;
                return new YamlScalarNode(value) { Style = tag == 'P' ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
            default:
                throw new InvalidDataException($"a slice has an unknown node tag {tag} at byte {at - 1}");
        }
    }

    private static int Count(ReadOnlySpan<byte> bytes, ref int at)
    {
        var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(at, 4));
        at += 4;
        return count;
    }
}
