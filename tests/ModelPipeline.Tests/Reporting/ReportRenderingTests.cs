using System.Text.RegularExpressions;
using ModelPipeline.Reporting;

namespace ModelPipeline.Tests.Reporting;

/// <summary>The site rendered from a generated zoo: content checked page by page (no server, no git).</summary>
public sealed class ReportRenderingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mp-tests", "report-" + Guid.NewGuid().ToString("N")[..12]);

    public static GeneratedZoo.Spec[] Zoo() =>
    [
        new("alpha", 12)
        {
            Owner = "vision@example.com",
            Description = "Alpha <b>classifier</b> & friends",
            Metrics = v => new Dictionary<string, double> { ["accuracy"] = v == 7 ? 0.85 : 0.9 + v / 1000.0, ["log_loss"] = 0.5 - v / 100.0 },
            Gates = """{ "accuracy": { "min": 0.9 }, "log_loss": { "max": 0.45 } }""",
            Aliases = new Dictionary<string, int> { ["test"] = 11, ["prod"] = 9, ["champion"] = 10 },
            ManifestExtra = v => v == 12
                ? "\"trainingBackend\": \"kfp\", \"trainingRunId\": \"run-12\", \"trainingRunUrl\": \"https://kfp.example.com/#/runs/details/run-12\", \"modelPack\": { \"digest\": \"sha256:9a9a\", \"verified\": true }, \"notes\": \"retrained\""
                : null,
            ImageExtra = v => v == 12 ? new Dictionary<string, string> { ["signature"] = "sha256:5151", ["sbom"] = "sha256:5b0m" } : null,
        },
        new("beta", 3) { Owner = "nlp@example.com", Validation = false, Data = false, Metrics = v => new Dictionary<string, double> { ["f1"] = 0.5 + v / 10.0 }, Gates = "{}" },
        new("gamma", 1) { Owner = "nlp@example.com", Metrics = _ => null, Validation = false },
    ];

    private ReportData Load(IReadOnlyDictionary<(string, string), int>? deployed = null, IReadOnlyList<RunRecord>? runs = null)
    {
        var zoo = Path.Combine(_dir, "zoo");
        GeneratedZoo.Write(zoo, Zoo());
        var loader = new ReportLoader(zoo);
        var models = loader.Load(deployed, []);
        return new ReportData
        {
            ZooSource = "/srv/zoo.git",
            ZooCommit = new string('c', 40),
            GeneratedAt = DateTimeOffset.UtcNow,
            Models = models,
            Runs = runs ?? [],
            Problems = loader.Problems,
        };
    }

    private string Render(ReportData data)
    {
        var site = Path.Combine(_dir, "site");
        ReportWriter.Write(data, site, CancellationToken.None);
        return site;
    }

    private static string Page(string site, string rel) => File.ReadAllText(Path.Combine(site, rel));

    [Fact]
    public void Charts_come_from_the_cache_until_something_that_draws_them_changes()
    {
        var cache = Path.Combine(_dir, "charts");
        var data = Load() with { ChartCacheDir = cache };
        ReportWriter.Write(data, Path.Combine(_dir, "site1"), CancellationToken.None);
        var entries = Directory.GetFiles(cache);
        Assert.Equal(3, entries.Length); // alpha: accuracy, log_loss; beta: f1; gamma reports no metric
        // Mark every entry: a report with the same inputs uses them instead of drawing again.
        foreach (var entry in entries) File.WriteAllText(entry, File.ReadAllText(entry).Replace("<svg ", "<svg data-cached=\"yes\" ", StringComparison.Ordinal));

        ReportWriter.Write(data, Path.Combine(_dir, "site2"), CancellationToken.None);
        Assert.Equal(2, Regex.Count(Page(Path.Combine(_dir, "site2"), "models/alpha.html"), "data-cached"));
        Assert.Single(Regex.Matches(Page(Path.Combine(_dir, "site2"), "models/beta.html"), "data-cached"));

        // alpha's prod moves: its charts are drawn again (and cached under new keys); beta's still come from the cache.
        var moved = data with { Models = data.Models.Select(m => m.Name == "alpha" ? m with { Prod = 10 } : m).ToList() };
        ReportWriter.Write(moved, Path.Combine(_dir, "site3"), CancellationToken.None);
        Assert.DoesNotContain("data-cached", Page(Path.Combine(_dir, "site3"), "models/alpha.html"), StringComparison.Ordinal);
        Assert.Contains("data-cached", Page(Path.Combine(_dir, "site3"), "models/beta.html"), StringComparison.Ordinal);
        Assert.Equal(5, Directory.GetFiles(cache).Length);

        // Entries unused for 30 days are pruned; used ones stay.
        var stale = Directory.GetFiles(cache).First(f => !File.ReadAllText(f).Contains("data-cached", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddDays(-31));
        ChartCache.Prune(cache);
        Assert.False(File.Exists(stale));
        Assert.Equal(4, Directory.GetFiles(cache).Length);
    }

    /// <summary>The text a reader sees: tags removed, entities decoded, white space collapsed.</summary>
    internal static string Text(string html) =>
        Regex.Replace(Regex.Replace(WebUtilityDecode(Regex.Replace(html, "<[^>]+>", " ")), @"\s+", " "), @" ([,.;:])", "$1").Trim();

    private static string WebUtilityDecode(string s) => System.Net.WebUtility.HtmlDecode(s);

    internal static string IndexRow(string html, string model) =>
        Regex.Match(html, $"<tr data-name=\"{model}\"[^>]*>.*?</tr>", RegexOptions.Singleline).Value;

    [Fact]
    public void The_index_lists_every_model_with_owners_latest_test_prod_size_and_last_publish()
    {
        var site = Render(Load());
        var index = Page(site, "index.html");

        var alpha = IndexRow(index, "alpha");
        Assert.Contains("data-owners=\"vision@example.com\"", alpha);
        Assert.Contains("data-aliases=\"champion latest prod test\"", alpha);
        Assert.Contains("alpha-v12", alpha); // image tags are searchable
        Assert.Equal("alpha Alpha <b>classifier</b> & friends vision@example.com v12 v11 v9 11.8 KiB 2026-01-13 00:00 UTC", Text(alpha));
        Assert.Contains("href=\"models/alpha.html#v11\"", alpha);
        Assert.Equal("beta beta generated model nlp@example.com v3 — — 3.0 KiB 2026-01-04 00:00 UTC", Text(IndexRow(index, "beta")));
        Assert.Contains("<option value=\"vision@example.com\">", index);
        Assert.Contains("<option value=\"champion\">", index);
        Assert.Contains("3 model(s), 16 version(s)", index);
        Assert.DoesNotContain("<b>classifier</b>", index); // descriptions are escaped, never markup
    }

    [Fact]
    public void The_model_page_draws_one_chart_per_metric_with_a_point_per_version_gates_and_environments()
    {
        var page = Page(Render(Load()), "models/alpha.html");

        var figures = Regex.Matches(page, "<figure class=\"chart\" data-metric=\"([^\"]+)\" data-points=\"(\\d+)\">(.*?)</figure>", RegexOptions.Singleline);
        Assert.Equal(["accuracy", "log_loss"], figures.Select(f => f.Groups[1].Value));
        foreach (Match f in figures)
        {
            Assert.Equal("12", f.Groups[2].Value);
            var svg = Regex.Match(f.Groups[3].Value, "<svg.*?</svg>", RegexOptions.Singleline).Value;
            Assert.Equal(12, Regex.Count(svg, "<ellipse")); // one marker per version
            Assert.Matches(@">\s*test\s*<", svg);
            Assert.Matches(@">\s*prod\s*<", svg);
            Assert.Contains("viewBox=\"0 0 640 260\"", svg);
        }
        Assert.Matches(@">\s*min 0.9\s*<", figures[0].Groups[3].Value);
        Assert.Matches(@">\s*max 0.45\s*<", figures[1].Groups[3].Value);
        // The SVGs' ids are unique on the page.
        var ids = Regex.Matches(page, " id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void A_version_below_its_gate_is_marked_failed_in_the_versions_table_and_the_values()
    {
        var page = Page(Render(Load()), "models/alpha.html");

        var v7 = Regex.Match(page, "<tr><th scope=\"row\"><a href=\"#v7\">.*?</tr>", RegexOptions.Singleline).Value;
        Assert.Contains("failed (1)", Text(v7));
        var v8 = Regex.Match(page, "<tr><th scope=\"row\"><a href=\"#v8\">.*?</tr>", RegexOptions.Singleline).Value;
        Assert.Contains("passed", Text(v8));
        Assert.Contains("<tr><td>v7</td><td class=\"num\">0.85</td><td><span class=\"badge failed\">fails ≥ 0.9</span></td></tr>", page);
        var details = Regex.Match(page, "<details id=\"v7\".*?</details>", RegexOptions.Singleline).Value;
        Assert.Contains("metric accuracy FAIL accuracy 0.85 (min 0.9)", Text(details));
        Assert.Contains("test", Text(Regex.Match(page, "<tr><th scope=\"row\"><a href=\"#v11\">.*?</tr>", RegexOptions.Singleline).Value));
    }

    [Fact]
    public void The_lineage_panel_shows_data_digests_training_run_source_commit_parent_image_and_signatures()
    {
        var page = Page(Render(Load()), "models/alpha.html");
        var v12 = Text(Regex.Match(page, "<details id=\"v12\" class=\"version\" open>.*?</details>", RegexOptions.Singleline).Value);

        Assert.Contains($"Source commit {GeneratedZoo.Digest("commit", 12)[7..47]}", v12);
        Assert.Contains("Parent version v11", v12);
        Assert.Contains("Backend kfp", v12);
        Assert.Contains("Run id run-12", v12);
        Assert.Contains("<a href=\"https://kfp.example.com/#/runs/details/run-12\" rel=\"noopener noreferrer\">", page);
        Assert.Contains("Trainer sources trainer", v12);
        Assert.Contains("Hyperparameters epochs = 12", v12);
        Assert.Contains($"train url {GeneratedZoo.Digest("data", 12)[7..30]}…", v12);
        Assert.Contains($"Digest {GeneratedZoo.Digest("alpha", 12)}", v12);
        Assert.Contains("Signature, SBOM, provenance Signature (cosign) sha256:5151 SBOM (CycloneDX) sha256:5b0m modelPack.digest sha256:9a9a modelPack.verified true", v12);
        Assert.Contains("Other recorded fields notes retrained", v12);
        var v11 = Text(Regex.Match(page, "<details id=\"v11\" class=\"version\">.*?</details>", RegexOptions.Singleline).Value);
        Assert.Contains("None recorded for this version.", v11);
        Assert.Contains("Backend local", v11);
    }

    [Fact]
    public void Missing_optional_files_and_fields_are_rendered_as_not_recorded()
    {
        var site = Render(Load());
        var beta = Text(Page(site, "models/beta.html"));
        Assert.Contains("No validation report is recorded for this version.", beta);
        Assert.Contains("Digests not recorded in this version; as declared in its model.json: source declared train https://data.example.com/beta.csv", beta);
        Assert.Contains("v3 current latest", beta);
        var gamma = Text(Page(site, "models/gamma.html"));
        Assert.Contains("No version reported metrics.", gamma);
        Assert.DoesNotContain("<figure", Page(site, "models/gamma.html"));
    }

    [Fact]
    public void An_unreadable_manifest_leaves_its_version_out_and_is_listed_as_a_problem()
    {
        var zoo = Path.Combine(_dir, "zoo");
        GeneratedZoo.Write(zoo, Zoo());
        File.WriteAllText(Path.Combine(zoo, "models", "beta", "v2", "manifest.json"), "{ not json");
        var loader = new ReportLoader(zoo);
        var models = loader.Load(null, []);

        Assert.Equal([1, 3], models.Single(m => m.Name == "beta").Versions.Select(v => v.Version));
        var problem = Assert.Single(loader.Problems);
        Assert.StartsWith("models/beta/v2/manifest.json: unreadable", problem);
        var site = Render(new ReportData { ZooSource = "z", GeneratedAt = DateTimeOffset.UtcNow, Models = models, Problems = loader.Problems });
        Assert.Contains("models/beta/v2/manifest.json: unreadable", Text(Page(site, "index.html")));
    }

    [Fact]
    public void Test_and_prod_come_from_the_GitOps_repository_when_it_is_read()
    {
        var data = Load(new Dictionary<(string, string), int> { [("alpha", "test")] = 12, [("beta", "prod")] = 2 });
        var index = Page(Render(data with { EnvironmentSource = "the GitOps repository" }), "index.html");

        Assert.Equal("alpha Alpha <b>classifier</b> & friends vision@example.com v12 v12 — 11.8 KiB 2026-01-13 00:00 UTC", Text(IndexRow(index, "alpha")));
        Assert.Contains("v3 — v2", Text(IndexRow(index, "beta")));
        Assert.Contains("Test and prod are read from the GitOps repository.", Text(index));
    }

    [Fact]
    public void Every_page_is_self_contained_html_with_a_language_a_viewport_and_no_outside_address()
    {
        var site = Render(Load());
        foreach (var file in Directory.GetFiles(site, "*.html", SearchOption.AllDirectories))
        {
            var html = File.ReadAllText(file);
            Assert.StartsWith("<!doctype html>\n<html lang=\"en\">", html);
            Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html);
            Assert.Contains("<main id=\"main\">", html);
            // Nothing loads from elsewhere: every element that fetches names a file of the site (links out are plain <a>).
            var fetching = Regex.Matches(html, "<(link|script|img|iframe|source|object|embed|video|audio)\\b[^>]*>").Select(m => m.Value).ToList();
            Assert.Contains("<link rel=\"stylesheet\" href=\"", fetching[0]);
            foreach (var tag in fetching) Assert.DoesNotMatch("(src|href)=\"([a-z]+:|//)", tag);
            Assert.Equal(Regex.Count(html, "<script"), Regex.Count(html, "<script>"));
            Assert.DoesNotContain("<link rel=\"stylesheet\" href=\"http", html);
            Assert.DoesNotContain("@import", html);
        }
        Assert.DoesNotContain("url(", File.ReadAllText(Path.Combine(site, "style.css")));
        Assert.Contains("@media print", File.ReadAllText(Path.Combine(site, "style.css")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
