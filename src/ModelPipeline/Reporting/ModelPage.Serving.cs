using System.Globalization;
using System.Text;
using ModelPipeline.Inference;
using static ModelPipeline.Reporting.HtmlPage;

namespace ModelPipeline.Reporting;

internal static partial class ModelPage
{
    /// <summary>The serving check's verdict as the version records it: status, latency (p50, p95) and what was sent.</summary>
    private static void ServingCheck(StringBuilder s, VersionReport v)
    {
        s.Append("<section><h4>Serving check</h4>");
        if (v.Serving is not { } check)
        {
            s.Append("<p class=\"muted\">No serving check is recorded for this version.</p></section>\n");
            return;
        }
        s.Append($"<p>{ServingBadge(check)}");
        if (check.P50Ms is { } p50 && check.P95Ms is { } p95)
            s.Append($" latency p50 {Ms(p50)}, p95 {Ms(p95)} over {check.Requests} request(s)");
        s.Append($"</p><p>{E(check.Detail)}</p></section>\n");
    }

    /// <summary>passed / failed / off / not applicable, for the version table and the version's section.</summary>
    private static string ServingBadge(ServingCheckRecord? check) => check?.Status switch
    {
        null => "<span class=\"muted\">not recorded</span>",
        ServingCheckRecord.PassedStatus => Badge("passed", "ok"),
        ServingCheckRecord.FailedStatus => Badge("failed", "failed"),
        ServingCheckRecord.OffStatus => Badge("off", "alias"),
        _ => Badge("not applicable", "alias"),
    };

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
