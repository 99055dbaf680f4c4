using System.Text.Json;
using System.Text.Json.Serialization;

namespace HookRelay.Tests.Support;

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
