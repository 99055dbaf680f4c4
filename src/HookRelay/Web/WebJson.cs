using System.Net;
using System.Text.Json;

namespace HookRelay.Web;

/// <summary>A JSON object answer: what the event and dead-letter APIs send.</summary>
public static class WebJson
{
    public static async Task WriteAsync(HttpListenerResponse response, HttpStatusCode status, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        response.StatusCode = (int)status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength64 = buffer.WrittenCount;
        await response.OutputStream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
    }
}
