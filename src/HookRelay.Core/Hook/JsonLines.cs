using System.Text.Json;
using HookRelay.Posix;

namespace HookRelay.Hook;

/// <summary>
/// A small journal of JSON lines under the state directory (hook runs, action runs): appended
/// with O_APPEND in one write(), so processes writing at once never interleave; past 1 MB it
/// moves to name.1. Best effort: a journal that cannot be written never fails what it records.
/// </summary>
public static class JsonLines
{
    private const long MaxBytes = 1 << 20;
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>Appends one line (<paramref name="line"/> ends with '\n').</summary>
    public static void Append(string stateDir, string fileName, byte[] line)
    {
        try
        {
            var path = Path.Combine(stateDir, fileName);
            long size;
            try
            {
                size = UnixFile.AppendAll(path, line, Mode);
            }
            catch (FileNotFoundException)
            {
                Directory.CreateDirectory(stateDir);
                size = UnixFile.AppendAll(path, line, Mode);
            }
            if (size > MaxBytes)
            {
                File.Move(path, path + ".1", overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The last <paramref name="count"/> lines, oldest first; unreadable ones are skipped.</summary>
    public static IReadOnlyList<JsonElement> Recent(string stateDir, string fileName, int count)
    {
        try
        {
            var recent = new List<JsonElement>();
            foreach (var line in File.ReadLines(Path.Combine(stateDir, fileName)).TakeLast(count))
            {
                try
                {
                    using var document = JsonDocument.Parse(line);
                    recent.Add(document.RootElement.Clone());
                }
                catch (JsonException)
                {
                }
            }
            return recent;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
