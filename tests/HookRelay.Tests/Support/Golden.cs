using System.Runtime.CompilerServices;

namespace HookRelay.Tests.Support;

/// <summary>
/// Compares output to a golden file next to the test (in its Golden/ folder). Regenerate with
/// UPDATE_GOLDEN=1 after a deliberate change, and read the diff before committing it (refused under CI).
/// </summary>
public static class Golden
{
    public static void AssertMatches(string name, string actual, [CallerFilePath] string testFile = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(testFile)!, "Golden", name);
        if (Regenerate.Golden)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }
        Assert.True(File.Exists(path), $"no golden file {path}: run with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    /// <summary>A JSON document indented, so a golden file diffs line by line.</summary>
    public static string Indented(byte[] json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return System.Text.Json.JsonSerializer.Serialize(document.RootElement, TestJsonContext.Default.JsonElement) + "\n";
    }
}
