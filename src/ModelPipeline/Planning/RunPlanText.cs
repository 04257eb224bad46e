using System.Globalization;
using System.Text;

namespace ModelPipeline.Planning;

/// <summary>A plan in words: one line per side effect (the console), and Markdown (a CI job summary or MR note).</summary>
public static class RunPlanText
{
    /// <summary>A line for each side effect of one model, without the diff.</summary>
    public static IEnumerable<string> Lines(ModelPlan m)
    {
        var key = m.TrainingKey[..12];
        yield return m.Training.Action switch
        {
            "train" => $"train: training key {key} on the {m.Training.Backend} backend",
            "reuse-workspace" => $"train: training key {key} already trained here (run {m.Training.RunId}); nothing trained",
            _ => $"train: training key {key} is published as v{m.Training.Version}; nothing trained",
        };
        yield return "image: " + Image(m.Image);
        yield return "zoo: " + (m.Zoo.NewVersion ? $"publish v{m.Zoo.Version}" : $"v{m.Zoo.Version} stays")
            + string.Concat(m.Zoo.AliasMoves.Select(a => $"; alias {a.Alias} {(a.From is { } f ? $"v{f}" : "(unset)")} -> v{a.To}"));
        yield return $"gitops: {m.GitOps.Action} {m.GitOps.Path}" + (m.GitOps.Reason is { } r ? $": {r}" : "");
        var p = m.Promotion;
        yield return $"{p.Forge} promotion: {p.Action}" + (p.Branch is null || p.Action == "none" ? "" : $" {p.Branch}")
            + (p.Action == "update" && p.Url is { } url ? $" ({url})" : "")
            + (p.Close.Count > 0 ? $"; close {string.Join(", ", p.Close)}" : "") + (p.Reason is { } why ? $" ({why})" : "");
    }

    /// <summary>One sentence on the image: digest, size, what is uploaded, tags.</summary>
    public static string Image(ImagePlanEntry i)
    {
        var where = $"{i.Destination} {i.Repository}";
        var tags = i.TagsToAdd.Count > 0 ? $"; tags {string.Join(", ", i.TagsToAdd)}" : "";
        return i.Action switch
        {
            "reuse" => $"reuse {Short(i.Digest)} in {where}" + (i.Present == false ? " (MISSING: the run fails)" : "") + tags,
            "present" => $"{Short(i.Digest)} ({Bytes(i.SizeBytes)}) already in {where}" + tags,
            _ when i.Digest is null => $"build and push to {where}: {i.Note}" + tags,
            _ => $"build {Short(i.Digest)} ({Bytes(i.SizeBytes)}) and push to {where}: "
                + $"{i.Blobs.Count(b => !b.Present)} of {i.Blobs.Count} blob(s) to upload ({Bytes(i.UploadBytes)}), "
                + $"{i.Blobs.Count(b => b.Present)} already there" + tags,
        };
    }

    /// <summary>The plan as Markdown: a table of the models with side effects, then each model's details and diff.</summary>
    public static string Markdown(RunPlan plan, string title = "What-if plan: ./build.sh Publish")
    {
        var text = new StringBuilder($"## {title}\n\n");
        var changing = plan.Changing.ToList();
        text.Append(CultureInfo.InvariantCulture,
            $"{changing.Count} of {plan.Models.Count} model(s) would change; nothing has been written.\n\n");
        if (changing.Count == 0) return text.ToString();
        text.Append("| model | training | image | zoo | test pin | promotion |\n|---|---|---|---|---|---|\n");
        foreach (var m in changing)
            text.Append(CultureInfo.InvariantCulture, $"| {m.Name} | {m.Training.Action} | {m.Image.Action} "
                + $"{(m.Image.Digest is null ? "(after training)" : Short(m.Image.Digest))} | v{m.Zoo.Version}"
                + $"{(m.Zoo.NewVersion ? " (new)" : "")} | {m.GitOps.Action} | {m.Promotion.Action} |\n");
        foreach (var m in changing)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n### {m.Name}\n\n");
            foreach (var line in Lines(m)) text.Append("- ").Append(line.Replace("|", "\\|", StringComparison.Ordinal)).Append('\n');
            if (m.GitOps.Diff is { } diff) text.Append("\n```diff\n").Append(diff).Append("\n```\n");
        }
        return text.ToString();
    }

    private static string Short(string? digest) => digest is null ? "(unknown)" : digest.Length > 19 ? digest[..19] : digest;

    private static string Bytes(long? n) => n is null ? "size unknown" : $"{n.Value.ToString("N0", CultureInfo.InvariantCulture)} bytes";
}
