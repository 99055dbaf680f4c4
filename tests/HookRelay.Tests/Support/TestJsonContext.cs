using System.Text.Json;
using System.Text.Json.Serialization;

namespace HookRelay.Tests.Support;

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
