using System.Text.Json;

namespace HookRelay.Tests.Support;

/// <summary>
/// QEMU's own query-block, asked through python3's socket module (not HookRelay's QMP client):
/// what a test believes QEMU sees. Run with the QMP socket's path as its argument; prints
/// {drive: virtual-size} as JSON.
/// </summary>
public static class QmpQuery
{
    public const string BlockSizesScript = """
        import json, socket, sys
        s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1]); f = s.makefile('rw')
        def answer():
            while True:
                m = json.loads(f.readline())
                if 'return' in m or 'error' in m: return m
        f.readline(); f.write('{"execute": "qmp_capabilities"}\n'); f.flush(); answer()
        f.write('{"execute": "query-block"}\n'); f.flush()
        print(json.dumps({b['device']: b['inserted']['image']['virtual-size'] for b in answer()['return'] if 'inserted' in b}))
        """;

    /// <summary>The sizes the script printed, by drive name.</summary>
    public static Dictionary<string, long> Sizes(string output)
    {
        using var sizes = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return sizes.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
    }
}
