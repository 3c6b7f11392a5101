using Microsoft.Playwright;

namespace LatentSharp.Tests.Cli.Serve;

/// <summary>
/// The explorer page driven in Debian's headless Chromium through Playwright (its own browser download is not used:
/// <see cref="ChromiumFactAttribute.ExecutablePath"/>). Playwright gives every launch a fresh, empty profile.
/// </summary>
[Collection(ServeCollection.Name)]
public sealed class ServeBrowserTests(ServeFixture server)
{
    /// <summary>The flags known to work here: without the networking ones Chromium keeps calling out of a closed network.</summary>
    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private const float Timeout = 60_000;

    private async Task<(IPlaywright, IBrowser, IPage, List<string>)> OpenAsync()
    {
        IPlaywright playwright = await Playwright.CreateAsync();
        IBrowser browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = Flags,
            Timeout = Timeout,
        });
        IPage page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout(Timeout);
        var problems = new List<string>();
        page.PageError += (_, message) => problems.Add($"page error: {message}");
        page.Console += (_, message) => { if (message.Type == "error") problems.Add($"console: {message.Text} ({message.Location})"); };
        await page.GotoAsync(server.BaseAddress.ToString());
        await page.WaitForSelectorAsync("body[data-ready=true]");
        return (playwright, browser, page, problems);
    }

    private static async Task<int> Version(IPage page, string selector) =>
        int.Parse(await page.GetAttributeAsync(selector, "data-version") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Waits until no decode or interpolation is in flight, so an image shows the latest state.</summary>
    private static Task Settled(IPage page) => page.WaitForSelectorAsync("body[data-pending='0']");

    private static Task WaitForVersionAbove(IPage page, string selector, int version) =>
        page.WaitForFunctionAsync($"v => +document.querySelector('{selector}').dataset.version > v", version);

    [ChromiumFact]
    public async Task Page_MovingASlider_ChangesTheDecodedImage()
    {
        var (playwright, browser, page, problems) = await OpenAsync();
        using (playwright)
        await using (browser)
        {
            await WaitForVersionAbove(page, "#decoded", 0);
            await Settled(page);
            ILocator image = page.Locator("#decoded");
            ILocator slider = page.Locator("#sliders input[type=range]").First;
            byte[] before = await image.ScreenshotAsync();
            string valueBefore = await slider.InputValueAsync();
            int version = await Version(page, "#decoded");

            var box = (await slider.BoundingBoxAsync())!;                       // a real drag to the right end
            await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(box.X + box.Width - 2, box.Y + box.Height / 2, new() { Steps = 8 });
            await page.Mouse.UpAsync();

            await WaitForVersionAbove(page, "#decoded", version);
            await page.WaitForFunctionAsync("() => document.querySelector('#source').textContent === 'edited'");
            Assert.NotEqual(valueBefore, await slider.InputValueAsync());
            await Settled(page);
            byte[] after = await image.ScreenshotAsync();
            Assert.NotEqual(before, after);
            Assert.Equal("", await page.Locator("#status").TextContentAsync());
            Assert.Empty(problems);
        }
    }

    [ChromiumFact]
    public async Task Page_Interpolation_ScrubbingTChangesTheImage_AndABadIndexShowsTheServersMessage()
    {
        var (playwright, browser, page, problems) = await OpenAsync();
        using (playwright)
        await using (browser)
        {
            await WaitForVersionAbove(page, "#interp-result", 0);
            Assert.Equal(9, await page.Locator("#strip img").CountAsync());
            ILocator result = page.Locator("#interp-result");

            await page.Locator("#interp-t").FillAsync("0");
            await page.WaitForFunctionAsync("() => document.querySelector('#interp-t-val').textContent === '0.00'");
            await Settled(page);
            int version = await Version(page, "#interp-result");
            byte[] atA = await result.ScreenshotAsync();

            await page.Locator("#interp-t").FillAsync("1");
            await WaitForVersionAbove(page, "#interp-result", version);
            await Settled(page);
            Assert.NotEqual(atA, await result.ScreenshotAsync());

            await page.Locator("#interp-b").FillAsync("100000");
            await page.Locator("#interp-b").DispatchEventAsync("change");
            await page.WaitForFunctionAsync("() => document.querySelector('#status').textContent.length > 0");
            Assert.Contains("\"to\" is 100000; there are 1000 test images", await page.Locator("#status").TextContentAsync());
            Assert.DoesNotContain(problems, p => p.StartsWith("page error", StringComparison.Ordinal));
        }
    }

    [ChromiumFact]
    public async Task Page_ClickingTheEmbedding_DecodesThatPoint()
    {
        var (playwright, browser, page, problems) = await OpenAsync();
        using (playwright)
        await using (browser)
        {
            await WaitForVersionAbove(page, "#decoded", 0);
            await Settled(page);
            int version = await Version(page, "#decoded");
            await page.Locator("#embedding").ClickAsync(new() { Position = new() { X = 60, Y = 60 } });
            await WaitForVersionAbove(page, "#decoded", version);
            Assert.StartsWith("embedding point (", await page.Locator("#source").TextContentAsync());
            Assert.Empty(problems);
        }
    }
}
