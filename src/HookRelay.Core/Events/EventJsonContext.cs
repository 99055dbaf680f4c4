using System.Text.Json.Serialization;

namespace HookRelay.Events;

/// <summary>Source-generated JSON for events: no reflection, so the hook stays NativeAOT-clean.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(HookEvent))]
[JsonSerializable(typeof(OrdinalDictionary))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
