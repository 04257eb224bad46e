using ModelPipeline.Errors;
using ModelPipeline.RunState;

namespace ModelPipeline.Ci;

/// <summary>A CI file as the generator writes it, relative to the repository root.</summary>
public sealed record GeneratedFile(string Path, string Content);

/// <summary>A committed CI file that differs from what the generator writes now.</summary>
public sealed record StaleFile(string Path, string Problem, string Diff);

/// <summary>
/// Writes (or checks) every CI definition under pipelines/github, pipelines/gitlab, pipelines/tekton and pipelines/argo-workflows
/// from the target graph. Those folders hold only generated YAML: a YAML file the generator does not
/// write is stale too (e.g. a target that was removed).
/// </summary>
public static class CiGenerator
{
    public static readonly string[] Folders = ["pipelines/github", "pipelines/gitlab", "pipelines/tekton", ArgoWorkflows.Folder];

    public static IReadOnlyList<GeneratedFile> Generate(CiContext ci) =>
    [
        new("pipelines/github/publish.yml", GitHubWorkflows.Publish(ci)),
        new("pipelines/github/promote.yml", GitHubWorkflows.Promote(ci)),
        new("pipelines/github/gitops-sync-aliases.yml", GitHubWorkflows.SyncAliases(ci)),
        new("pipelines/gitlab/.gitlab-ci.yml", GitLabPipelines.Main(ci)),
        new(GitLabPipelines.ModelsTemplate, GitLabPipelines.ModelsTemplateFile(ci)),
        new("pipelines/gitlab/gitops.gitlab-ci.yml", GitLabPipelines.GitOps(ci)),
        new("pipelines/tekton/tasks.yaml", TektonResources.Tasks(ci)),
        new("pipelines/tekton/pipeline-publish.yaml", TektonResources.PublishPipeline(ci)),
        new("pipelines/tekton/pipeline-promote.yaml", TektonResources.PromotePipeline(ci)),
        new("pipelines/tekton/pipelinerun-publish.yaml", TektonResources.ExampleRun()),
        new($"{ArgoWorkflows.Folder}/workflowtemplate-publish.yaml", ArgoWorkflows.Publish(ci)),
        new($"{ArgoWorkflows.Folder}/workflowtemplate-promote.yaml", ArgoWorkflows.Promote(ci)),
    ];

    /// <summary>Writes the files that changed and deletes YAML files in the CI folders that are no longer generated; returns what it did.</summary>
    public static IReadOnlyList<string> Write(string root, IReadOnlyList<GeneratedFile> files)
    {
        var done = new List<string>();
        foreach (var file in files)
        {
            var path = System.IO.Path.Combine(root, file.Path);
            if (File.Exists(path) && File.ReadAllText(path) == file.Content) continue;
            AtomicFile.WriteAllText(path, file.Content);
            done.Add($"wrote {file.Path}");
        }
        foreach (var extra in Unexpected(root, files))
        {
            File.Delete(System.IO.Path.Combine(root, extra));
            done.Add($"deleted {extra} (no longer generated)");
        }
        return done;
    }

    /// <summary>Every committed file that differs from the generated one, with a line diff; missing and extra files too.</summary>
    public static IReadOnlyList<StaleFile> Check(string root, IReadOnlyList<GeneratedFile> files)
    {
        var stale = new List<StaleFile>();
        foreach (var file in files)
        {
            var path = System.IO.Path.Combine(root, file.Path);
            if (!File.Exists(path)) stale.Add(new(file.Path, "missing", LineDiff.Unified(file.Path, "", file.Content)));
            else if (File.ReadAllText(path) is var committed && committed != file.Content)
                stale.Add(new(file.Path, "differs from what GenerateCi writes now", LineDiff.Unified(file.Path, committed, file.Content)));
        }
        foreach (var extra in Unexpected(root, files))
            stale.Add(new(extra, "is not generated (a leftover, e.g. of a removed target)", ""));
        return stale;
    }

    public static PipelineException StaleError(IReadOnlyList<StaleFile> stale) => new OperationFailedException(
        "the committed CI definitions are not what ./build.sh GenerateCi writes from the target graph now:\n" +
        string.Join("\n", stale.Select(s => $"{s.Path} {s.Problem}" + (s.Diff.Length > 0 ? "\n" + s.Diff : ""))) +
        "\nFix: run ./build.sh GenerateCi and commit the result (whoever changes a target regenerates).");

    private static IEnumerable<string> Unexpected(string root, IReadOnlyList<GeneratedFile> files)
    {
        var expected = files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in Folders)
        {
            var dir = System.IO.Path.Combine(root, folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var path in Directory.EnumerateFiles(dir, "*", new EnumerationOptions { AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
            {
                var relative = System.IO.Path.GetRelativePath(root, path).Replace('\\', '/');
                if ((relative.EndsWith(".yml", StringComparison.Ordinal) || relative.EndsWith(".yaml", StringComparison.Ordinal)) && !expected.Contains(relative))
                    yield return relative;
            }
        }
    }
}
