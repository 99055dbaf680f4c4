using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace HookRelay.Tests.Support;

/// <summary>
/// Debian's chromium, headless, driven through Debian's chromium-driver (no Selenium Manager, no
/// download): what the page's tests look through. Screenshots of the whole page go to
/// artifacts/screenshots/ for a person to look at.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    private const string Browser = "/usr/bin/chromium";
    private const string DriverDirectory = "/usr/bin";
    private const string DriverFile = "chromedriver";
    private readonly TempDir _profile;

    private HeadlessChromium(ChromeDriver driver, TempDir profile)
    {
        Driver = driver;
        _profile = profile;
    }

    public ChromeDriver Driver { get; }

    public static string ScreenshotDirectory => Repository.Path("artifacts", "screenshots");

    public static HeadlessChromium Start(int width = 1280, int height = 900)
    {
        if (!File.Exists(Browser) || !File.Exists(Path.Combine(DriverDirectory, DriverFile)))
        {
            RequiredService.SkipOrFail("Chromium and its driver (Debian packages chromium, chromium-driver)");
        }
        var service = ChromeDriverService.CreateDefaultService(DriverDirectory, DriverFile);
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Browser };
        // A profile of its own: nothing remembered from another run (a token in session storage).
        var profile = new TempDir();
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
            $"--window-size={width},{height}", $"--user-data-dir={profile.Path}");
        return new HeadlessChromium(new ChromeDriver(service, options, TimeSpan.FromSeconds(60)), profile);
    }

    public void Resize(int width, int height) => Driver.Manage().Window.Size = new Size(width, height);

    /// <summary>Waits until <paramref name="condition"/> holds; fails naming <paramref name="what"/> and what the page shows.</summary>
    public void WaitUntil(string what, Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is NoSuchElementException or StaleElementReferenceException)
            {
                // The page is redrawing what we look for: look again.
            }
            if (DateTime.UtcNow > deadline)
            {
                var shot = Screenshot("timeout-" + string.Concat(what.Where(char.IsAsciiLetterOrDigit).Take(40)));
                Assert.Fail($"the page never showed {what}; it shows (screenshot {shot}):\n{Driver.FindElement(By.TagName("body")).Text}");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// Reads from the page, again if the page redrew what was being read (the page draws its
    /// timeline anew when the daemon has something new): a read never sees half of one drawing.
    /// </summary>
    public static T Read<T>(Func<T> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return read();
            }
            catch (StaleElementReferenceException) when (attempt < 20)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>The whole page as a PNG under artifacts/screenshots (not just the window): its path.</summary>
    public string Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        var metrics = Driver.ExecuteCdpCommand("Page.getLayoutMetrics", []) as Dictionary<string, object?>;
        var size = metrics?["cssContentSize"] as Dictionary<string, object?>;
        var capture = new Dictionary<string, object?> { ["format"] = "png", ["captureBeyondViewport"] = true };
        if (size is not null)
        {
            capture["clip"] = new Dictionary<string, object?>
            {
                ["x"] = 0,
                ["y"] = 0,
                ["width"] = size["width"],
                ["height"] = size["height"],
                ["scale"] = 1,
            };
        }
        var shot = Driver.ExecuteCdpCommand("Page.captureScreenshot", capture) as Dictionary<string, object?>;
        File.WriteAllBytes(path, Convert.FromBase64String(shot?["data"] as string ?? throw new InvalidOperationException("Chromium sent no screenshot")));
        return path;
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        _profile.Dispose();
    }
}
