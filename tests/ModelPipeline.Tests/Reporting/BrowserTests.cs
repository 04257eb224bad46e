using Microsoft.Playwright;
using ModelPipeline.Reporting;

namespace ModelPipeline.Tests.Reporting;

/// <summary>A browser test: needs Debian's chromium (build/scripts/test-deps.d/chromium.sh installs it); skipped with the reason otherwise.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public BrowserFactAttribute()
    {
        if (!File.Exists(Chromium)) Skip = $"{Chromium} is not installed (build/scripts/test-deps.d/chromium.sh installs Debian's chromium as root)";
    }
}

/// <summary>The site opened from disk in headless Chromium (driven by Playwright; no browser is downloaded).</summary>
public sealed class BrowserTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mp-tests", "browser-" + Guid.NewGuid().ToString("N")[..12]);

    internal static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

    [BrowserFact]
    public async Task The_site_opens_from_disk_without_errors_or_outside_requests_and_its_search_and_charts_work()
    {
        var zoo = Path.Combine(_dir, "zoo");
        GeneratedZoo.Write(zoo, ReportRenderingTests.Zoo());
        var site = Path.Combine(_dir, "site");
        ReportWriter.Write(new ReportData
        {
            ZooSource = zoo,
            GeneratedAt = DateTimeOffset.UtcNow,
            Models = new ReportLoader(zoo).Load(null, []),
            Runs = [RunJournalTests.PublishRun()],
        }, site, CancellationToken.None);
        var siteUrl = new Uri(site + "/").AbsoluteUri;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = BrowserFactAttribute.Chromium, Headless = true, Args = ChromiumArgs });
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        var outside = new List<string>();
        var problems = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith(siteUrl, StringComparison.Ordinal)) await route.ContinueAsync();
            else
            {
                lock (outside) outside.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") lock (problems) problems.Add($"{m.Type}: {m.Text}"); };
        page.PageError += (_, e) => { lock (problems) problems.Add($"page error: {e}"); };
        page.RequestFailed += (_, r) => { lock (problems) problems.Add($"request failed: {r.Url} {r.Failure}"); };

        // The index: every model, then the search and the filters narrow it down.
        await page.GotoAsync(siteUrl + "index.html");
        Assert.Equal("3", await page.TextContentAsync("#shown"));
        Assert.Equal("rgb(255, 255, 255)", await page.EvaluateAsync<string>("getComputedStyle(document.documentElement).backgroundColor")); // style.css loaded
        await page.FillAsync("#q", "alias:prod");
        Assert.Equal(["alpha"], await VisibleModels(page));
        await page.FillAsync("#q", "nlp");
        Assert.Equal(["beta", "gamma"], await VisibleModels(page));
        await page.FillAsync("#q", "tag:beta-v2");
        Assert.Equal(["beta"], await VisibleModels(page));
        await page.FillAsync("#q", "alpha-v1"); // free text finds image tags too
        Assert.Equal(["alpha"], await VisibleModels(page));
        await page.FillAsync("#q", "");
        await page.SelectOptionAsync("#owner", "vision@example.com");
        Assert.Equal(["alpha"], await VisibleModels(page));
        Assert.Equal("1", await page.TextContentAsync("#shown"));
        await page.SelectOptionAsync("#owner", "");
        await page.SelectOptionAsync("#alias", "champion");
        Assert.Equal(["alpha"], await VisibleModels(page));

        // A model page: one SVG per metric with one marker per version that reported it.
        await page.ClickAsync("a[href='models/alpha.html']");
        var points = await page.EvaluateAsync<int[]>("Array.from(document.querySelectorAll('figure.chart')).map(f => f.querySelectorAll('svg ellipse').length)");
        Assert.Equal([12, 12], points);
        var declared = await page.EvaluateAsync<int[]>("Array.from(document.querySelectorAll('figure.chart')).map(f => +f.dataset.points)");
        Assert.Equal(points, declared);
        var screenshot = Path.Combine(_dir, "report-model.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = false });
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.True(png.Length > 20_000, $"screenshot is {png.Length} bytes");

        // The run page, then the index at phone width (no sideways scrolling) and in print (no filters).
        await page.GotoAsync(siteUrl + "runs/20261123T100000Z-abc.html");
        Assert.Equal(5, await page.Locator("tr.target").CountAsync());
        await page.SetViewportSizeAsync(375, 800);
        await page.GotoAsync(siteUrl + "index.html");
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 375, "the index scrolls sideways at phone width");
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        Assert.False(await page.IsVisibleAsync("#q"));

        Assert.Empty(outside);
        Assert.Empty(problems);
    }

    private static async Task<string[]> VisibleModels(IPage page) =>
        await page.EvaluateAsync<string[]>("Array.from(document.querySelectorAll('#models tbody tr')).filter(r => !r.hidden).map(r => r.dataset.name)");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
