using System.Globalization;
using System.Net;
using System.Text;

namespace ModelPipeline.Reporting;

/// <summary>The page frame every page shares (header, navigation, footer) and small HTML helpers.</summary>
internal static class HtmlPage
{
    /// <summary>Nothing is fetched at view time but the site's own stylesheet: no fonts, scripts or images from elsewhere.</summary>
    private const string Policy = "default-src 'none'; style-src 'self' file: 'unsafe-inline'; img-src 'self' file: data:; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Time(DateTimeOffset t) =>
        $"<time datetime=\"{t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}\">{t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC</time>";

    public static string Seconds(double s) => s < 60
        ? s.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : $"{(int)(s / 60)} min {((int)s % 60).ToString("00", CultureInfo.InvariantCulture)} s";

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / 1024.0 / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1024.0 / 1024 / 1024).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };

    public static string Number(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>A digest shortened for reading, in full in the title attribute and for copying.</summary>
    public static string Digest(string? digest) => string.IsNullOrEmpty(digest)
        ? "—"
        : $"<code title=\"{E(digest)}\">{E(digest.Length > 23 ? digest[..23] + "…" : digest)}</code>";

    public static string Badge(string text, string kind) => $"<span class=\"badge {kind}\">{E(text)}</span>";

    /// <summary>A link only for http(s) URLs; anything else is shown as text.</summary>
    public static string Link(string? url, string? text = null) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp)
            ? $"<a href=\"{E(url)}\" rel=\"noopener noreferrer\">{E(text ?? url)}</a>"
            : E(text ?? url);

    /// <param name="up">The path from the page to the site root ("" or "../").</param>
    public static string Render(string title, string up, string body, ReportData data, string? script = null)
    {
        var s = new StringBuilder(body.Length + 2048);
        s.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        s.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        s.Append($"<meta http-equiv=\"Content-Security-Policy\" content=\"{Policy}\">\n");
        s.Append($"<title>{E(title)} · model zoo</title>\n<link rel=\"stylesheet\" href=\"{up}style.css\">\n</head>\n<body>\n");
        s.Append("<a class=\"skip\" href=\"#main\">Skip to content</a>\n");
        s.Append($"<header class=\"site\"><nav aria-label=\"Site\"><a href=\"{up}index.html\">Models</a> <a href=\"{up}runs.html\">Runs</a>{(data.Fleet is null ? "" : $" <a href=\"{up}fleet.html\">Fleet</a>")}</nav>");
        s.Append($"<p class=\"source\">Zoo <code>{E(data.ZooSource)}</code>{(data.ZooCommit is { } c ? $" at <code title=\"{E(c)}\">{E(c[..Math.Min(12, c.Length)])}</code>" : "")}</p></header>\n");
        s.Append("<main id=\"main\">\n").Append(body).Append("</main>\n");
        s.Append($"<footer><p>Generated {Time(data.GeneratedAt)} by <code>modelpipe report</code>. Static files: nothing is fetched from elsewhere.</p></footer>\n");
        if (script is not null) s.Append("<script>").Append(script).Append("</script>\n");
        s.Append("</body>\n</html>\n");
        return s.ToString();
    }
}
