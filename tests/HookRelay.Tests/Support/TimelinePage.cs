using OpenQA.Selenium;

namespace HookRelay.Tests.Support;

/// <summary>The daemon's page as a test reads it in <see cref="HeadlessChromium"/>: the token form, the timeline's lanes and sentences.</summary>
public sealed class TimelinePage(HeadlessChromium browser)
{
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
        browser.WaitUntil("the token form", () => browser.Driver.FindElement(By.Id("login")).Displayed);
        var field = browser.Driver.FindElement(By.Id("token"));
        field.Clear();
        field.SendKeys(token);
        browser.Driver.FindElement(By.CssSelector("#login button[type=submit]")).Click();
    }

    public IWebElement Element(string id) => browser.Driver.FindElement(By.Id(id));

    /// <summary>The timeline's row of one subject (an instance, a node, a group): its label and its marks.</summary>
    public IWebElement Lane(string subject) => browser.Driver.FindElement(By.CssSelector($".lane[data-lane='{subject}']"));

    public void WaitForLane(string subject, TimeSpan? timeout = null) => browser.WaitUntil($"{subject}'s lane", () => Lane(subject).Displayed, timeout);

    /// <summary>The event list's sentences, as shown (newest first).</summary>
    public IReadOnlyList<string> Sentences() => [.. browser.Driver.FindElements(By.CssSelector("#events li .text")).Select(e => e.Text)];

    /// <summary>The event list's entry whose sentence contains <paramref name="text"/>.</summary>
    public IWebElement Entry(string text) =>
        browser.Driver.FindElements(By.CssSelector("#events li")).Single(li => li.Text.Contains(text, StringComparison.Ordinal));

    /// <summary>Opens one instance's own timeline from its lane's label.</summary>
    public void OpenInstance(string instance)
    {
        Lane(instance).FindElement(By.TagName("a")).Click();
        browser.WaitUntil($"{instance}'s own timeline", () => Element("timeline-title").Text == $"Timeline of {instance}");
    }
}
