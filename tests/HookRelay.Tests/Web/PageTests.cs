using System.Globalization;
using System.Net;
using HookRelay.Tests.Support;
using OpenQA.Selenium;

namespace HookRelay.Tests.Web;

/// <summary>
/// The page a real `hookrelay serve` serves, driven in headless Chromium: the timeline of events the
/// hook queued (a migration as a bar with its duration, a denial with its gate's sentence), one
/// instance's timeline on a phone-sized screen, a dead letter replayed with its button, and the
/// token asked for before anything is shown. Screenshots: artifacts/screenshots/page-*.png.
/// </summary>
public sealed class PageTests : IAsyncLifetime
{
    private const string Token = "page-token-2718";
    private readonly HookRelayHost _host = new();
    private readonly int _port = ServiceProcesses.FreeLoopbackPort();
    private TestReceiver _receiver = null!;
    private HeadlessChromium? _browser;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
        _receiver.AnswerAll(failing: true);
        var tokenFile = Path.Combine(_host.Dir.Path, "web-token");
        await File.WriteAllTextAsync(tokenFile, Token);
        var journal = Path.Combine(_host.Dir.Path, "events.jsonl");
        _host.Configure($$"""
            web: { listen: "127.0.0.1:{{_port}}", token: "${file:{{tokenFile}}}" }
            sinks:
              chat: { type: webhook, url: "{{_receiver.Url}}", max_attempts: 1, timeout: 5s }
              journal: { type: file, path: {{journal}} }
            routes:
              - { name: all, on_node: all, to: [journal] }
              - { name: migrations, on_node: all, matchers: ['hook="instance-migrate"', 'phase="post"'], to: [chat] }
            gates:
              - name: naming
                matchers: ['hook="instance-add"', 'phase="pre"']
                deny_unless: { instance_name: '^(web|db)-[0-9]+$' }
                on_error: deny
            """);
    }

    public async ValueTask DisposeAsync()
    {
        _browser?.Dispose();
        _host.Dispose();
        await _receiver.DisposeAsync();
    }

    private string Base => $"http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}";

    private async Task HookAsync(string capture, string instance, int exitCode = 0)
    {
        var run = await _host.RunHookAsync(capture, change: Fixtures.Named(instance));
        Assert.True(run.ExitCode == exitCode, $"{capture} for {instance} exited {run.ExitCode}: {run.Stderr}");
    }

    /// <summary>A denied add, then web-1 added and live-migrated (1.5 s between the migration's pre and post hooks); the migration's message to the chat dead-lettered.</summary>
    private async Task StartWithHistoryAsync()
    {
        var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        // Listening on the port this test chose: otherwise whatever else took it meanwhile would answer the browser.
        await serve.WaitForOutputAsync($"/metrics and /api/events on http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}/");
        await HookAsync("instance-add-pre-node1-01", "tmp-1", exitCode: 1);
        await HookAsync("instance-add-pre-node1-01", "web-1");
        await HookAsync("instance-add-post-node1-01", "web-1");
        await HookAsync("instance-migrate-pre-node1-01", "web-1");
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        await HookAsync("instance-migrate-post-node1-01", "web-1");
        await _host.WaitForOutboxAsync("state = 2", 1, TimeSpan.FromSeconds(30));
    }

    private HeadlessChromium StartBrowser() => _browser = HeadlessChromium.Start();

    /// <summary>The daemon with its history, and the page opened on it with the token.</summary>
    private async Task<TimelinePage> OpenOnHistoryAsync()
    {
        await StartWithHistoryAsync();
        var page = new TimelinePage(StartBrowser()).Open(Base + "/", Token);
        page.WaitForLane("web-1");
        return page;
    }

    [Fact]
    public async Task The_timeline_draws_a_migration_as_a_bar_a_denial_with_its_gate_and_new_events_as_they_come()
    {
        var page = await OpenOnHistoryAsync();

        // Each operation is one bar from its pre hook to its post hook (the pre events are not dots
        // of their own); the migration's 1.5 s is far longer than the add's few milliseconds.
        var marks = page.Marks("web-1");
        Assert.Equal(2, marks.Count);
        var migration = Assert.Single(marks, m => m.Is("k-move"));
        var add = Assert.Single(marks, m => m.Is("k-life"));
        Assert.Contains("live-migrated", migration.Label, StringComparison.Ordinal);
        Assert.False(migration.Is("point"));
        Assert.True(migration.Width > 10 * add.Width, $"the migration's bar is {migration.Width} px wide, the add's {add.Width} px");

        var denial = Assert.Single(page.Sentences(), s => s.Contains("tmp-1", StringComparison.Ordinal));
        Assert.Contains("denied by gate 'naming'", denial, StringComparison.Ordinal);
        Assert.Contains("does not match", denial, StringComparison.Ordinal);
        Assert.Single(page.Marks("tmp-1"), m => m.Is("k-deny"));

        // Where each delivery went: the migration's chat message is dead, its journal line written.
        Assert.Equal(["chat: dead", "journal: delivered"], page.Deliveries("live-migrated").Order(StringComparer.Ordinal));

        page.ClickMark("web-1", "k-move");
        page.Browser.WaitUntil("the migration's detail", () => page.Shown("detail") && page.Text("detail").Contains("took", StringComparison.Ordinal));
        Assert.Matches(@"took\s+1\.[5-9] s", page.Text("detail"));
        Assert.Contains("org.ganeti.instance-migrate.post", page.Text("detail"), StringComparison.Ordinal);
        page.Browser.Screenshot("page-cluster-desktop");

        // A new event arrives through the stream, without a reload (the page reads everything again only every 10 s).
        await HookAsync("instance-reboot-post-node1-01", "web-1");
        page.Browser.WaitUntil("the reboot that came after the page was opened",
            () => page.Sentences().Any(s => s.Contains("web-1 rebooted", StringComparison.Ordinal)), TimeSpan.FromSeconds(5));
        Assert.Equal("live", page.Text("live"));
    }

    [Fact]
    public async Task With_more_subjects_than_rows_the_most_recently_active_are_drawn()
    {
        var serve = _host.StartServe();
        await serve.WaitReadyAsync(_host.StateDir);
        await serve.WaitForOutputAsync($"/metrics and /api/events on http://127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}/");
        // 41 subjects for the page's 40 rows; the last one active sorts last by name.
        for (var i = 0; i < 40; i++)
        {
            await HookAsync("instance-reboot-post-node1-01", $"db-{i:00}");
        }
        await HookAsync("instance-reboot-post-node1-01", "web-1");

        var page = new TimelinePage(StartBrowser()).Open(Base + "/", Token);
        page.WaitForLane("web-1");
        var drawn = page.DrawnLanes();
        Assert.Equal(40, drawn.Count);
        Assert.DoesNotContain("db-00", drawn);
        Assert.Equal([.. Enumerable.Range(1, 39).Select(i => $"db-{i:00}"), "web-1"], drawn);
        Assert.Contains("1 more subjects not drawn", page.Text(By.Id("chart")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_instances_timeline_fits_a_phone_screen()
    {
        var page = await OpenOnHistoryAsync();
        page.OpenInstance("web-1");

        // Only web-1's events, newest first: the migration's post and pre, then the add's.
        var sentences = page.Sentences();
        Assert.Equal(4, sentences.Count);
        Assert.All(sentences, s => Assert.Contains("web-1", s, StringComparison.Ordinal));
        Assert.Contains("live-migrated", sentences[0], StringComparison.Ordinal);
        Assert.Contains("instance-add web-1 starting", sentences[^1], StringComparison.Ordinal);

        page.AsPhone();
        page.Browser.Screenshot("page-instance-phone");
    }

    [Fact]
    public async Task The_replay_button_delivers_a_dead_letter()
    {
        var page = await OpenOnHistoryAsync();
        var deadLetters = By.CssSelector("#dead tbody tr");
        page.Browser.WaitUntil("the dead letter", () => page.Browser.Driver.FindElements(deadLetters).Count == 1);
        var row = page.Text(deadLetters);
        Assert.Contains("instance-migrate post web-1", row, StringComparison.Ordinal);
        Assert.Contains("chat", row, StringComparison.Ordinal);
        page.Browser.Screenshot("page-dead-letter");

        _receiver.AnswerAll(failing: false);
        TimelinePage.Click(() => page.Browser.Driver.FindElement(By.CssSelector("#dead tbody tr button.replay")));
        await _receiver.WaitForAsync(r => r.Accepted.Count == 1, TimeSpan.FromSeconds(30), "the replayed migration");
        page.Browser.WaitUntil("no dead letter left", () => page.Shown("dead-empty"));
        Assert.Equal("1 delivery queued again.", page.Text("dead-result"));
        page.Browser.WaitUntil("the migration's chat delivery as delivered", () => page.Deliveries("live-migrated").Contains("chat: delivered"));
        Assert.Contains("ok", page.Text(By.CssSelector("#sinks tr[data-sink='chat']")), StringComparison.Ordinal);
        Assert.Equal(2, _receiver.All.Count); // the failed attempt, then the replay
        page.Browser.Screenshot("page-after-replay");
    }

    [Fact]
    public async Task Without_the_token_the_page_shows_nothing_but_the_token_form_and_a_wrong_one_is_refused()
    {
        await StartWithHistoryAsync();
        using var http = new HttpClient();
        using var html = await http.GetAsync(Base + "/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", string.Join(" ", html.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        using var events = await http.GetAsync(Base + "/api/events", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, events.StatusCode);

        var page = new TimelinePage(StartBrowser()).Open(Base + "/", token: null);
        page.Browser.WaitUntil("the token form", () => page.Shown("login"));
        Assert.False(page.Shown("main"));
        Assert.DoesNotContain("web-1", page.Text(By.TagName("body")), StringComparison.Ordinal);

        page.LogIn("not-the-token");
        page.Browser.WaitUntil("the refusal", () => page.Shown("login-error"));
        Assert.Equal("The daemon refused that token.", page.Text("login-error"));
        Assert.DoesNotContain("web-1", page.Text(By.TagName("body")), StringComparison.Ordinal);
        page.Browser.Screenshot("page-token-refused");

        page.LogIn(Token);
        page.Browser.WaitUntil("the timeline", () => page.Shown("main"));
        Assert.False(page.Shown("login"));
    }
}
