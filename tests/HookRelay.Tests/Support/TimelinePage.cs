using OpenQA.Selenium;

namespace HookRelay.Tests.Support;

/// <summary>
/// The daemon's page as a test reads it in <see cref="HeadlessChromium"/>: the token form, the
/// timeline's lanes and marks, the event list. Everything is read as values, each read whole
/// (<see cref="HeadlessChromium.Read"/>): the page redraws itself as events arrive.
/// </summary>
public sealed class TimelinePage(HeadlessChromium browser)
{
    /// <summary>One mark on a lane: its classes (k-move, point...), its sentence and its width on screen.</summary>
    public sealed record Mark(string Class, string Label, int Width)
    {
        public bool Is(string cssClass) => Class.Split(' ').Contains(cssClass);
    }

    public HeadlessChromium Browser => browser;

    /// <summary>Opens the page at <paramref name="url"/> and, with a token, types it into the form the page shows first.</summary>
    public TimelinePage Open(string url, string? token)
    {
        browser.Driver.Navigate().GoToUrl(url);
        if (token is not null)
        {
            LogIn(token);
        }
        return this;
    }

    public void LogIn(string token)
    {
        browser.WaitUntil("the token form", () => Shown("login"));
        var field = browser.Driver.FindElement(By.Id("token"));
        field.Clear();
        field.SendKeys(token);
        browser.Driver.FindElement(By.CssSelector("#login button[type=submit]")).Click();
    }

    public bool Shown(string id) => HeadlessChromium.Read(() => browser.Driver.FindElement(By.Id(id)).Displayed);

    public string Text(string id) => HeadlessChromium.Read(() => browser.Driver.FindElement(By.Id(id)).Text);

    public string Text(By by) => HeadlessChromium.Read(() => browser.Driver.FindElement(by).Text);

    public void WaitForLane(string subject, TimeSpan? timeout = null) =>
        browser.WaitUntil($"{subject}'s lane", () => browser.Driver.FindElement(LaneOf(subject)).Displayed, timeout);

    /// <summary>The subjects the timeline draws a row for, top to bottom.</summary>
    public IReadOnlyList<string> DrawnLanes() => HeadlessChromium.Read(() => browser.Driver.FindElements(By.CssSelector(".lane"))
        .Select(l => l.GetAttribute("data-lane") ?? "").ToList());

    private static By LaneOf(string subject) => By.CssSelector($".lane[data-lane='{subject}']");

    /// <summary>The marks on the timeline's row of one subject (an instance, a node, a group).</summary>
    public IReadOnlyList<Mark> Marks(string subject) => HeadlessChromium.Read(() => browser.Driver.FindElement(LaneOf(subject))
        .FindElements(By.CssSelector(".mark"))
        .Select(m => new Mark(m.GetAttribute("class") ?? "", m.GetAttribute("aria-label") ?? "", m.Size.Width)).ToList());

    public void ClickMark(string subject, string cssClass) => Click(() => browser.Driver.FindElement(LaneOf(subject)).FindElement(By.CssSelector($".mark.{cssClass}")));

    /// <summary>Finds and clicks in one go, again if the page redrew the element meanwhile.</summary>
    public static void Click(Func<IWebElement> find) => HeadlessChromium.Read(() =>
    {
        find().Click();
        return true;
    });

    /// <summary>The event list's sentences, as shown (newest first).</summary>
    public IReadOnlyList<string> Sentences() =>
        HeadlessChromium.Read(() => browser.Driver.FindElements(By.CssSelector("#events li .text")).Select(e => e.Text).ToList());

    /// <summary>The event list's entry whose sentence contains <paramref name="text"/>, as shown: sentence and delivery marks.</summary>
    public string Entry(string text) => HeadlessChromium.Read(() =>
        browser.Driver.FindElements(By.CssSelector("#events li")).Select(li => li.Text).Single(t => t.Contains(text, StringComparison.Ordinal)));

    /// <summary>The delivery marks ("chat: dead") of the entry whose sentence contains <paramref name="text"/>.</summary>
    public IReadOnlyList<string> Deliveries(string text) => HeadlessChromium.Read(() =>
    {
        var entries = browser.Driver.FindElements(By.CssSelector("#events li")).Where(li => li.Text.Contains(text, StringComparison.Ordinal)).ToList();
        Assert.True(entries.Count == 1, $"{entries.Count} entries contain '{text}': {string.Join(" | ", entries.Select(li => li.Text))}");
        return (IReadOnlyList<string>)[.. entries[0].FindElements(By.CssSelector(".pill")).Select(p => p.Text)];
    });

    /// <summary>
    /// Resizes the window to a phone's, waits for the page to lay itself out for it (tables as
    /// blocks, a time axis of a few labels) and checks nothing is wider than the screen.
    /// </summary>
    public void AsPhone()
    {
        browser.Resize(390, 844);
        browser.WaitUntil("the phone layout", () => !browser.Driver.FindElement(By.CssSelector("#sinks thead")).Displayed
            && browser.Driver.FindElements(By.CssSelector(".axis span")).Count <= 4);
        var overflow = (long)browser.Driver.ExecuteScript("return document.documentElement.scrollWidth - window.innerWidth;")!;
        Assert.True(overflow <= 0, $"on a 390 px screen the page is {overflow} px wider than the screen");
    }

    /// <summary>Opens one instance's own timeline from its lane's label.</summary>
    public void OpenInstance(string instance)
    {
        Click(() => browser.Driver.FindElement(LaneOf(instance)).FindElement(By.TagName("a")));
        browser.WaitUntil($"{instance}'s own timeline", () => Text("timeline-title") == $"Timeline of {instance}");
    }
}
