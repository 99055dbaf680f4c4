using System.Runtime.CompilerServices;
using System.Text.Json;
using HookRelay.Events;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Events;

/// <summary>
/// Every environment captured from a real Ganeti cluster parses to the typed event recorded in
/// Events/Golden. Regenerate with UPDATE_GOLDEN=1 after a deliberate change, and read the diff.
/// </summary>
public class HookEventGoldenTests
{
    public static TheoryData<string> Captures() => Fixtures.Captures();

    [Theory]
    [MemberData(nameof(Captures))]
    public void Capture_parses_to_its_golden_event(string capture)
    {
        var ev = HookEventParser.Parse(Fixtures.Env(capture), Fixtures.Node(capture));
        var actual = Render(ev);
        var golden = Path.Combine(GoldenDir(), capture + ".json");
        if (Regenerate.Golden)
        {
            File.WriteAllText(golden, actual);
        }
        Assert.True(File.Exists(golden), $"no golden file for {capture}: run with UPDATE_GOLDEN=1 and review it");
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Capture_is_known_and_keeps_every_ganeti_variable(string capture)
    {
        var env = Fixtures.Env(capture);
        var ev = HookEventParser.Parse(env, Fixtures.Node(capture));
        Assert.True(ev.KnownHook, $"{ev.Hook} is missing from the catalog");
        Assert.Equal(env.Where(kv => kv.Key.StartsWith("GANETI_", StringComparison.Ordinal)), ev.Env);
        Assert.Equal(env["GANETI_HOOKS_PATH"], ev.Hook);
        Assert.Equal(env["GANETI_HOOKS_PHASE"], ev.Phase);
    }

    [Fact]
    public void Golden_files_exist_only_for_captures()
    {
        var captures = Fixtures.CaptureNames().ToHashSet(StringComparer.Ordinal);
        var goldens = Directory.GetFiles(GoldenDir(), "*.json").Select(Path.GetFileNameWithoutExtension);
        Assert.All(goldens, g => Assert.Contains(g!, captures));
    }

    private static string Render(HookEvent ev)
    {
        var compact = JsonSerializer.Serialize(ev, EventJsonContext.Default.HookEvent);
        using var doc = JsonDocument.Parse(compact);
        return JsonSerializer.Serialize(doc.RootElement, TestJsonContext.Default.JsonElement) + "\n";
    }

    private static string GoldenDir([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Golden");
}
