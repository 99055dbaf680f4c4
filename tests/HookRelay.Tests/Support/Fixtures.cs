using HookRelay.Cli;

namespace HookRelay.Tests.Support;

/// <summary>The real hook environments captured from the Ganeti lab, copied into Fixtures/envs.</summary>
public static class Fixtures
{
    public static string Dir(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static IEnumerable<string> CaptureNames() =>
        Directory.GetFiles(Dir("envs"), "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static TheoryData<string> Captures() => [.. CaptureNames()];

    /// <summary>A change of a capture: the run is about <paramref name="instance"/> (its name and the operation's target).</summary>
    public static Action<SortedDictionary<string, string>> Named(string instance) => env =>
    {
        env["GANETI_INSTANCE_NAME"] = instance;
        env["GANETI_OP_TARGET"] = instance;
    };

    public static SortedDictionary<string, string> Env(string capture) => EnvFile.Read(Dir("envs", capture + ".json"));

    /// <summary>The node the capture ran on, from its JSON.</summary>
    public static string Node(string capture)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Dir("envs", capture + ".json")));
        return doc.RootElement.GetProperty("node").GetString()!;
    }
}
