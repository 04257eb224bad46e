using Microsoft.Playwright;
using ModelPipeline.History;
using ModelPipeline.Reporting;
using ModelPipeline.Serving;

namespace ModelPipeline.Tests.Reporting;

/// <summary>
/// What a reader sees of the fleet page, the promotion history and an imported version's lineage, in headless
/// Chromium (Debian's, driven by Playwright) opening the site from disk: hosts × models with the drifting entry and
/// the stale host marked, each environment's versions newest first with the rollback and the request link, and
/// where an imported version came from.
/// </summary>
public sealed class FleetHistoryBrowserTests : IDisposable
{
    private readonly string _dir =
        Path.Combine(Path.GetTempPath(), "mp-tests", "browser-" + Guid.NewGuid().ToString("N")[..12]);
    private static readonly DateTimeOffset T0 = new(2026, 9, 1, 8, 0, 0, TimeSpan.Zero);

    [BrowserFact]
    public async Task The_fleet_page_and_a_model_pages_history_and_import_lineage_show_what_runs_where()
    {
        var siteUrl = new Uri(WriteSite() + "/").AbsoluteUri;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = BrowserFactAttribute.Chromium, Headless = true, Args = BrowserTests.ChromiumArgs,
        });
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        var problems = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith(siteUrl, StringComparison.Ordinal)) await route.ContinueAsync();
            else
            {
                lock (problems) problems.Add("outside request: " + route.Request.Url);
                await route.AbortAsync();
            }
        });
        var page = await context.NewPageAsync();
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning") lock (problems) problems.Add($"{m.Type}: {m.Text}");
        };
        page.PageError += (_, e) => { lock (problems) problems.Add($"page error: {e}"); };

        // The fleet page, reached from the index's navigation: hosts × models, one stale host, one drifting entry.
        await page.GotoAsync(siteUrl + "index.html");
        await page.ClickAsync("nav >> text=Fleet");
        Assert.EndsWith("/fleet.html", page.Url);
        Assert.Equal(["Host", "Last pass", "alpha", "beta"],
            await page.Locator("#fleet thead th").AllInnerTextsAsync());
        Assert.Equal(["worker-gpu-01", "worker-gpu-02", "worker-gpu-03 stale"],
            (await page.Locator("#fleet tbody th").AllInnerTextsAsync()).Select(t => t.Trim()));
        Assert.Equal("1", await page.InnerTextAsync("#stale-count"));
        Assert.Equal("1", await page.InnerTextAsync("#drift-count"));
        Assert.True(await page.IsVisibleAsync("tr[data-host='worker-gpu-03'] .badge.failed"));
        var drift = page.Locator("tr[data-host='worker-gpu-02'] td[data-model='alpha']");
        Assert.Equal("drift", await drift.GetAttributeAsync("data-state"));
        Assert.Contains("drift: alpha@prod is v9", await drift.InnerTextAsync());
        Assert.StartsWith("v9", await page.InnerTextAsync("tr[data-host='worker-gpu-01'] td[data-model='alpha']"));
        Assert.Equal("in-step",
            await page.GetAttributeAsync("tr[data-host='worker-gpu-01'] td[data-model='alpha']", "data-state"));
        Assert.Equal("—", (await page.InnerTextAsync("tr[data-host='worker-gpu-01'] td:last-child")).Trim());

        // A served version links to its place on the model page, whose history says how it got there.
        await drift.Locator("a").ClickAsync();
        Assert.EndsWith("/models/alpha.html#v8", page.Url);
        Assert.True(await page.IsVisibleAsync("h2#history"));
        var prod = page.Locator("table.history[data-environment='prod'] tbody tr");
        Assert.Equal(["v9 rollback from v10", "v10", "v9"],
            (await prod.Locator("th").AllInnerTextsAsync()).Select(t => t.Trim()));
        Assert.Contains("now", await prod.Nth(0).Locator("td").Nth(1).InnerTextAsync());
        var request = prod.Nth(2).Locator("a", new() { HasText = "#12" });
        Assert.Equal("https://github.com/acme/gitops/pull/12", await request.GetAttributeAsync("href"));
        Assert.Equal("Octo Cat <octo@example.com>", (await prod.Nth(2).Locator("td").Nth(3).InnerTextAsync()).Trim());
        Assert.Equal(["v11", "v10"], (await page.Locator("table.history[data-environment='test'] tbody th")
            .AllInnerTextsAsync()).Select(t => t.Trim()));

        // An imported version's lineage names its source; the raw field does not appear among other fields.
        await page.GotoAsync(siteUrl + "models/beta.html");
        var lineage = page.Locator("#v3 .lineage dl").First;
        Assert.Contains("trained/bert-tiny (folder, a Hugging Face-style folder)",
            await lineage.Locator("div", new() { HasText = "Imported from" }).InnerTextAsync());
        Assert.Contains("sha256:" + new string('a', 16),
            await lineage.Locator("div", new() { HasText = "Source sha256" }).InnerTextAsync());
        Assert.DoesNotContain("importedFrom", await page.InnerTextAsync("#v3"));

        // At phone width the fleet table scrolls inside its box, not the page.
        await page.SetViewportSizeAsync(375, 800);
        await page.GotoAsync(siteUrl + "fleet.html");
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 375,
            "fleet.html scrolls sideways");
        Assert.Empty(problems);
    }

    /// <summary>A zoo of two models, three hosts and alpha's history in test and prod, written as a report.</summary>
    private string WriteSite()
    {
        var zoo = Path.Combine(_dir, "zoo");
        GeneratedZoo.Write(zoo,
            new("alpha", 12) { Aliases = new Dictionary<string, int> { ["test"] = 11, ["prod"] = 9 } },
            new("beta", 3)
            {
                ManifestExtra = v => v == 3 ? $$"""
                    "importedFrom": { "kind": "folder", "uri": "trained/bert-tiny", "sha256": "{{new string('a', 64)}}",
                                      "huggingFace": true, "importedAt": "2026-09-02T10:00:00Z" }
                    """ : null,
            });
        var models = new ReportLoader(zoo).Load(null, []);
        var now = DateTimeOffset.UtcNow;
        FleetHostRecord Host(string name, string cron, DateTimeOffset pass, params FleetEntry[] entries) => new()
        {
            Host = name, Schedule = new SyncSchedule { Cron = cron }, UpdatedAt = pass,
            LastPass = new PassSummary { StartedAt = pass, ExitCode = 0 }, Models = entries,
        };
        FleetEntry Serves(string model, string entry, int version) => new()
        {
            Model = model, Entry = entry, Version = version, SwitchedAt = T0, Result = "ok",
        };
        var hosts = new[]
        {
            Host("worker-gpu-01", "0 0 1 1 *", now.AddMinutes(-1), Serves("alpha", "alpha@prod", 9)),
            Host("worker-gpu-02", "0 0 1 1 *", now.AddMinutes(-1),
                Serves("alpha", "alpha@prod", 8), Serves("beta", "beta@latest", 3)),
            Host("worker-gpu-03", "*/5 * * * *", now.AddDays(-2), Serves("beta", "beta@latest", 3)),
        };
        var problems = new List<string>();
        var fleet = FleetReport.Build("/srv/fleet.git", new string('f', 40), hosts, models, 3, now, problems);
        HistoryEntry Stay(string env, int version, int days, int? until, int? replaced = null) => new()
        {
            Model = "alpha", Environment = env, Version = version,
            Digest = "sha256:" + new string((char)('0' + version % 10), 64),
            From = T0.AddDays(days), Until = until is { } u ? T0.AddDays(u) : null, Commit = new string('c', 40),
            ProposedBy = "ModelPipeline <bot@example.com>", Replaced = replaced,
        };
        var history = new[]
        {
            Stay("test", 10, 0, 1), Stay("test", 11, 1, null, 10),
            Stay("prod", 9, 0, 1) with
            {
                MergedBy = "Octo Cat <octo@example.com>", Request = "#12",
                RequestUrl = "https://github.com/acme/gitops/pull/12",
            },
            Stay("prod", 10, 1, 2, 9), Stay("prod", 9, 2, null, 10),
        };
        var site = Path.Combine(_dir, "site");
        ReportWriter.Write(new ReportData
        {
            ZooSource = zoo, GeneratedAt = now, Models = models, Fleet = fleet, History = history, Problems = problems,
            EnvironmentSource = "the GitOps repository",
        }, site, CancellationToken.None);
        return site;
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
