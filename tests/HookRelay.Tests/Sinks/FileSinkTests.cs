using HookRelay.Rules;
using HookRelay.Sinks;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Sinks;

public sealed class FileSinkTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static FileSink Sink(string path) => FileSink.Create(new SinkSettings(new SinkConfig("out", "file",
        new Dictionary<string, string> { ["path"] = path, ["fsync"] = "false" }, new SourcePosition("t.yaml", 1, 1))));

    [Fact]
    public async Task Concurrent_deliveries_append_every_line_whole()
    {
        var path = Path.Combine(_dir.Path, "events.jsonl");
        var sinks = new[] { Sink(path), Sink(path) };
        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            var body = System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i},\"pad\":\"{new string('x', 3000)}\"}}");
            return await sinks[i % 2].DeliverAsync(new SinkMessage($"id-{i}", "r", "t", body), CancellationToken.None);
        })));
        Assert.All(results, r => Assert.IsType<DeliveryResult.Delivered>(r));
        var lines = File.ReadAllLines(path);
        Assert.Equal(400, lines.Length);
        Assert.Equal(400, lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("n").GetInt32()).Distinct().Count());
    }

    [Fact]
    public async Task A_batch_is_appended_in_order_in_one_go_and_fails_as_a_whole()
    {
        var path = Path.Combine(_dir.Path, "events.jsonl");
        var messages = Enumerable.Range(0, 3).Select(i => new SinkMessage($"id-{i}", "r", "t", System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"))).ToList();

        var results = await Sink(path).DeliverBatchAsync(messages, CancellationToken.None);

        Assert.All(results, r => Assert.IsType<DeliveryResult.Delivered>(r));
        Assert.Equal(["{\"n\":0}", "{\"n\":1}", "{\"n\":2}"], File.ReadAllLines(path));
        var missing = await Sink(Path.Combine(_dir.Path, "nope", "events.jsonl")).DeliverBatchAsync(messages, CancellationToken.None);
        Assert.Equal(3, missing.Count);
        Assert.All(missing, r => Assert.IsType<DeliveryResult.Retry>(r));
    }

    [Fact]
    public async Task A_missing_directory_is_retried_naming_the_file()
    {
        var path = Path.Combine(_dir.Path, "nope", "events.jsonl");
        var result = await Sink(path).DeliverAsync(new SinkMessage("id", "r", "t", "{}"u8.ToArray()), CancellationToken.None);
        Assert.Contains(path, Assert.IsType<DeliveryResult.Retry>(result).Reason, StringComparison.Ordinal);
    }

    private static FileSink RotatingSink(string path, string maxSize, string keep) =>
        FileSink.Create(SinkTestEvents.Settings("file", ("path", path), ("fsync", "false"), ("max_size", maxSize), ("keep", keep)));

    [Fact]
    public async Task Rotation_keeps_every_line_in_at_most_keep_files_under_concurrent_appends()
    {
        var path = Path.Combine(_dir.Path, "events.jsonl");
        var sink = RotatingSink(path, "8KB", "50");
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            var body = System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i},\"pad\":\"{new string('x', 300)}\"}}");
            return await sink.DeliverAsync(new SinkMessage($"id-{i}", "r", "t", body), CancellationToken.None);
        })));
        Assert.All(results, r => Assert.IsType<DeliveryResult.Delivered>(r));
        var files = Directory.GetFiles(_dir.Path, "events.jsonl*");
        Assert.InRange(files.Length, 8, 11);
        Assert.All(files, f => Assert.InRange(new FileInfo(f).Length, 1, 8 * 1024));
        var numbers = files.SelectMany(File.ReadAllLines).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("n").GetInt32()).Order();
        Assert.Equal(Enumerable.Range(0, 200), numbers);
    }

    [Fact]
    public async Task Rotation_drops_the_oldest_beyond_keep()
    {
        var path = Path.Combine(_dir.Path, "events.jsonl");
        var sink = RotatingSink(path, "1KB", "2");
        for (var i = 0; i < 10; i++)
        {
            await sink.DeliverAsync(new SinkMessage($"id-{i}", "r", "t", System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i},\"pad\":\"{new string('x', 600)}\"}}")), CancellationToken.None);
        }
        Assert.Equal(["events.jsonl", "events.jsonl.1", "events.jsonl.2"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("\"n\":9", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Contains("\"n\":7", File.ReadAllText(path + ".2"), StringComparison.Ordinal);
    }
}
