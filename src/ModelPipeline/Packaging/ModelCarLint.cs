using ModelPipeline.Configuration;
using ModelPipeline.Oci;

namespace ModelPipeline.Packaging;

public sealed record LintFinding(bool IsError, string Rule, string Message);

/// <summary>
/// Checks a ModelCar before anything is pushed: files under <c>/models</c>, readable by uid 1010
/// (KServe's modelcar user), a shell in the image (KServe's sidecar runs <c>/bin/sh</c>), a tag
/// that is not <c>latest</c>, and the size limit.
/// </summary>
public static class ModelCarLint
{
    public static IReadOnlyList<LintFinding> Check(ImagePlan plan, bool baseHasShell, ModelCarSettings settings)
    {
        var findings = new List<LintFinding>();
        var files = plan.Layers.SelectMany(l => l.Tar.Files).ToList();
        if (files.Count == 0 || files.Any(f => !f.ImagePath.StartsWith("models/", StringComparison.Ordinal)))
            findings.Add(new(true, "models-dir", "the image must hold the trained files under /models (no files, or a file outside it)."));
        // TarLayer writes files 0644 and folders 0755 owned by 0:0: readable and traversable by uid 1010.
        if (plan.Layers.Any(l => l.Tar.Directories.Count == 0 && l.Tar.Files.Count > 0))
            findings.Add(new(true, "readable", "a layer has files without their folders; uid 1010 could not traverse /models."));
        if (!baseHasShell)
            findings.Add(new(settings.LintShell == "error", "shell",
                $"base image '{plan.Base.Name}' has no /bin/sh; KServe's modelcar sidecar needs a shell. Fix: set modelcar.baseImage to an image with a shell (e.g. busybox) in pipeline.json."));
        if (plan.Tag == "latest")
            findings.Add(new(true, "tag", "the tag must not be 'latest' (deployments pin digests; 'latest' hides which model runs). Fix: change modelcar.tagTemplate."));
        var size = plan.Base.Layers.Sum(l => l.Size) + plan.Layers.Sum(l => l.Tar.Size);
        if (size > settings.MaxImageBytes)
            findings.Add(new(true, "size", $"the image is about {size} bytes, over modelcar.maxImageBytes {settings.MaxImageBytes}. Fix: raise the limit or shrink the model."));
        return findings;
    }
}
