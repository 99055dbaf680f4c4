using System.Globalization;
using System.Text.Json;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Ganeti;

/// <summary>
/// The master's page after real Ganeti jobs: what the operator sees the morning after (an instance
/// added, live-migrated, its disk grown and rebooted; another refused by a gate), read in headless
/// Chromium through the master daemon's own listener with the lab's token. Screenshots:
/// artifacts/screenshots/lab-*.png.
/// </summary>
[Collection(RealGanetiCluster.Name)]
public sealed class RealClusterPageTests(GanetiLab lab)
{
    private const string Instance = "web-16.lab.example";
    private const string Refused = "tmp-16.lab.example";

    private static bool Is(JsonElement ev, string type, string subject) =>
        ev.GetProperty("type").GetString() == type && ev.TryGetProperty("subject", out var s) && s.GetString() == subject;

    [Fact]
    public async Task The_masters_page_shows_a_known_sequence_of_jobs_on_its_timeline()
    {
        await lab.GntOkAsync("gnt-instance", "add", "-t", "sharedfile", "-o", "noop+default", "--disk", "0:size=1G", "-B", "memory=128M",
            "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", Instance);
        await lab.GntOkAsync("gnt-instance", "migrate", "-f", Instance);
        await lab.GntOkAsync("gnt-instance", "grow-disk", Instance, "0", "256M");
        await lab.GntOkAsync("gnt-instance", "reboot", Instance);
        var refused = await lab.GntAsync("gnt-instance", "add", "-t", "diskless", "-o", "noop+default", "-B", "memory=128M",
            "-n", "node1.lab.example", "--no-name-check", "--no-ip-check", Refused);
        Assert.NotEqual(0, refused.ExitCode);
        await lab.WaitForEventAsync($"instance-reboot post of {Instance}", e => Is(e, "org.ganeti.instance-reboot.post", Instance));
        await lab.WaitForEventAsync($"the denied add of {Refused}", e => Is(e, "org.ganeti.instance-add.pre", Refused));

        await using var forward = lab.Forward(1, GanetiLab.WebPort);
        using var browser = HeadlessChromium.Start();
        var page = new TimelinePage(browser).Open($"http://127.0.0.1:{forward.Port.ToString(CultureInfo.InvariantCulture)}/", GanetiLab.WebToken);
        page.WaitForLane(Instance, TimeSpan.FromSeconds(30));
        Assert.Equal("cluster cluster.lab.example", page.Text("cluster"));

        // The migration is a bar (Ganeti's pre to post, timed on the master), the rest where they happened.
        var marks = page.Marks(Instance);
        var migration = Assert.Single(marks, m => m.Is("k-move"));
        Assert.False(migration.Is("point"));
        Assert.Contains("live-migrated node1.lab.example → node2.lab.example", migration.Label, StringComparison.Ordinal);
        Assert.Contains(marks, m => m.Is("k-disk"));
        Assert.Contains(marks, m => m.Is("k-power"));
        Assert.Contains(marks, m => m.Is("k-action") && m.Is("point") && m.Label.Contains("skipped", StringComparison.Ordinal));
        Assert.Single(page.Marks(Refused), m => m.Is("k-deny"));
        Assert.Contains("denied by gate 'naming'", page.Entry($"instance-add {Refused} denied"), StringComparison.Ordinal);
        Assert.Contains("receiver: delivered", page.Deliveries($"{Instance} live-migrated"));
        browser.Screenshot("lab-cluster-timeline");

        // Its own timeline tells the story in order (the list is newest first).
        page.OpenInstance(Instance);
        var story = page.Sentences().Reverse().ToList();
        Assert.All(story, s => Assert.Contains("web-16", s, StringComparison.Ordinal));
        int At(string phrase) => story.FindIndex(s => s.Contains(phrase, StringComparison.Ordinal));
        int[] steps = [At($"{Instance} created on node1.lab.example"), At("live-migrated"), At("disk 0 grown 1 GiB → 1.3 GiB"), At($"{Instance} rebooted")];
        Assert.True(steps.All(i => i >= 0) && steps.SequenceEqual(steps.Order()),
            $"the instance's timeline, oldest first:\n{string.Join("\n", story)}");
        page.AsPhone();
        browser.Screenshot("lab-instance-timeline-phone");
    }
}
