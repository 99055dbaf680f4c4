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
        var browser = page.Browser;

        // The migration is a bar as long as the 1.5 s between its hooks, not a dot.
        var migration = page.Lane("web-1").FindElement(By.CssSelector(".mark.k-move:not(.point)"));
        Assert.Contains("live-migrated", migration.GetAttribute("aria-label"), StringComparison.Ordinal);
        var dot = page.Lane("web-1").FindElements(By.CssSelector(".mark.point")).First();
        Assert.True(migration.Size.Width > 4 * dot.Size.Width, $"the migration's bar is {migration.Size.Width} px wide, a dot {dot.Size.Width} px");

        var denial = Assert.Single(page.Sentences(), s => s.Contains("tmp-1", StringComparison.Ordinal));
        Assert.Contains("denied by gate 'naming'", denial, StringComparison.Ordinal);
        Assert.Contains("does not match", denial, StringComparison.Ordinal);
        Assert.Single(page.Lane("tmp-1").FindElements(By.CssSelector(".mark.k-deny")));

        // Where each delivery went: the migration's chat message is dead, its journal line written.
        var migrated = page.Entry("live-migrated");
        Assert.Equal(["chat: dead", "journal: delivered"], migrated.FindElements(By.CssSelector(".pill")).Select(p => p.Text).Order(StringComparer.Ordinal));

        migration.Click();
        var detail = browser.Driver.FindElement(By.Id("detail"));
        browser.WaitUntil("the migration's detail", () => detail.Displayed && detail.Text.Contains("took", StringComparison.Ordinal));
        Assert.Matches(@"took\s+1\.[5-9] s", detail.Text);
        Assert.Contains("org.ganeti.instance-migrate.post", detail.Text, StringComparison.Ordinal);
        browser.Screenshot("page-cluster-desktop");

        // A new event arrives through the stream, without a reload.
        await HookAsync("instance-reboot-post-node1-01", "web-1");
        browser.WaitUntil("the reboot that came after the page was opened",
            () => page.Sentences().Any(s => s.Contains("web-1 rebooted", StringComparison.Ordinal)), TimeSpan.FromSeconds(5));
        Assert.Equal("live", browser.Driver.FindElement(By.Id("live")).Text);
    }

    [Fact]
    public async Task One_instances_timeline_fits_a_phone_screen()
    {
        var page = await OpenOnHistoryAsync();
        var browser = page.Browser;
        page.OpenInstance("web-1");

        // Only web-1's events, newest first: the migration's post and pre, then the add's.
        var sentences = page.Sentences();
        Assert.Equal(4, sentences.Count);
        Assert.All(sentences, s => Assert.Contains("web-1", s, StringComparison.Ordinal));
        Assert.Contains("live-migrated", sentences[0], StringComparison.Ordinal);
        Assert.Contains("instance-add web-1 starting", sentences[^1], StringComparison.Ordinal);

        browser.Resize(390, 844);
        browser.WaitUntil("the phone layout", () => browser.Driver.FindElement(By.CssSelector("#sinks thead")).Displayed == false);
        var overflow = (long)browser.Driver.ExecuteScript("return document.documentElement.scrollWidth - window.innerWidth;")!;
        Assert.True(overflow <= 0, $"on a 390 px screen the page is {overflow} px wider than the screen");
        browser.Screenshot("page-instance-phone");
    }

    [Fact]
    public async Task The_replay_button_delivers_a_dead_letter()
    {
        var page = await OpenOnHistoryAsync();
        var browser = page.Browser;
        browser.WaitUntil("the dead letter", () => browser.Driver.FindElements(By.CssSelector("#dead tbody tr")).Count == 1);
        var row = browser.Driver.FindElement(By.CssSelector("#dead tbody tr"));
        Assert.Contains("instance-migrate post web-1", row.Text, StringComparison.Ordinal);
        Assert.Contains("chat", row.Text, StringComparison.Ordinal);
        browser.Screenshot("page-dead-letter");

        _receiver.AnswerAll(failing: false);
        row.FindElement(By.CssSelector("button.replay")).Click();
        await _receiver.WaitForAsync(r => r.Accepted.Count == 1, TimeSpan.FromSeconds(30), "the replayed migration");
        browser.WaitUntil("no dead letter left", () => browser.Driver.FindElement(By.Id("dead-empty")).Displayed);
        Assert.Equal("1 delivery queued again.", browser.Driver.FindElement(By.Id("dead-result")).Text);
        browser.WaitUntil("the migration's chat delivery as delivered", () => browser.Driver.FindElements(By.CssSelector("#events li .pill"))
            .Any(p => p.Text == "chat: delivered"));
        var chat = browser.Driver.FindElement(By.CssSelector("#sinks tr[data-sink='chat']"));
        Assert.Contains("ok", chat.Text, StringComparison.Ordinal);
        Assert.Equal(2, _receiver.All.Count); // the failed attempt, then the replay
        browser.Screenshot("page-after-replay");
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

        var browser = StartBrowser();
        var page = new TimelinePage(browser).Open(Base + "/", token: null);
        browser.WaitUntil("the token form", () => browser.Driver.FindElement(By.Id("login")).Displayed);
        Assert.False(browser.Driver.FindElement(By.Id("main")).Displayed);
        Assert.DoesNotContain("web-1", browser.Driver.FindElement(By.TagName("body")).Text, StringComparison.Ordinal);

        page.LogIn("not-the-token");
        browser.WaitUntil("the refusal", () => browser.Driver.FindElement(By.Id("login-error")).Displayed);
        Assert.Equal("The daemon refused that token.", browser.Driver.FindElement(By.Id("login-error")).Text);
        Assert.DoesNotContain("web-1", browser.Driver.FindElement(By.TagName("body")).Text, StringComparison.Ordinal);
        browser.Screenshot("page-token-refused");

        page.LogIn(Token);
        browser.WaitUntil("the timeline", () => browser.Driver.FindElement(By.Id("main")).Displayed);
        Assert.False(browser.Driver.FindElement(By.Id("login")).Displayed);
    }
}
