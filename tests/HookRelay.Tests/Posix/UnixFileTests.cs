using HookRelay.Posix;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Posix;

public class UnixFileTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(16 * 1024)]
    [InlineData(40_000)]
    public void ReadAll_returns_every_byte_of_files_of_any_size(int size)
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "f");
        var bytes = Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(path, bytes);
        Assert.Equal(bytes, UnixFile.ReadAll(path));
    }

    [Fact]
    public void ReadRange_reads_the_part_asked_for_and_less_at_the_end()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "f");
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(path, bytes);
        Assert.Equal(bytes[100..150], UnixFile.ReadRange(path, 100, 50));
        Assert.Equal(bytes[990..], UnixFile.ReadRange(path, 990, 50));
        Assert.Empty(UnixFile.ReadRange(path, 2000, 10));
    }

    [Fact]
    public void A_missing_file_is_a_FileNotFoundException_naming_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), "hookrelay-missing-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<FileNotFoundException>(() => UnixFile.ReadAll(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Null(UnixFile.Identity(missing));
    }

    [Fact]
    public void Identity_names_the_file_and_moves_when_it_is_written()
    {
        using var dir = new TempDir();
        var path = dir.File("f", "one");
        var before = UnixFile.Identity(path)!.Value;
        var info = new FileInfo(path);
        Assert.Equal(3, before.Size);
        Assert.Equal(new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds(), before.ModifiedNs / 1_000_000);
        Thread.Sleep(20);
        File.WriteAllText(path, "two");
        var after = UnixFile.Identity(path)!.Value;
        Assert.Equal(before.Inode, after.Inode);
        Assert.True(after.ChangedNs > before.ChangedNs);
    }

    [Fact]
    public void AppendAll_appends_and_returns_the_new_size()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "log");
        Assert.Equal(4, UnixFile.AppendAll(path, "abc\n"u8, UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.Equal(8, UnixFile.AppendAll(path, "def\n"u8, UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.Equal("abc\ndef\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
